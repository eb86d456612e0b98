"""DDL and transform for a new feed, inferred from a sample file in its monitored folder.

Setting up a feed used to mean hand-writing a staging table, a destination table
and a stored procedure. Here a sample file per import is read (``sample_schema``),
its headers become safe column names (lower snake_case) with inferred types, and
the script holds, per pipeline group:

* a staging table per distinct ``staging_table``: the business columns plus
  ``dagster_run_id``, ``source_file_hash`` and ``source_row_number`` (lineage)
  and an index on the run id, which every transform filters on;
* a destination table per distinct ``destination_table``: the business columns
  plus ``load_timestamp`` (UTC, filled by the database);
* one transform per distinct ``transform_procedure``: truncate a destination when
  its name is in the comma list ``tables_to_truncate``, then ``INSERT ... SELECT``
  this run's staged rows (booleans wait in staging as text, because SQL Server's
  BIT rejects 'yes' and SQLite keeps 'true' as text, and the transform converts
  them). A stored procedure on SQL Server and PostgreSQL; on
  SQLite, which has no procedures, a script for ``transforms/<procedure>.sql``
  using ``:run_id`` (the engine truncates replace destinations itself there).

Every identifier is quoted by SQLAlchemy's preparer for the dialect and every
table is created only when missing, so the script can be reviewed and re-run.
The script is *not* executed unless an admin asks (``elt setup-sql --apply``),
and then an existing transform is kept rather than replaced.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine

from elt_project.config.models import PipelineConfig, slugify
from elt_project.db import ddl_text, dialects
from elt_project.db.dialect_traits import traits
from elt_project.db.schema import RUN_ID_COLUMN, SOURCE_HASH_COLUMN, SOURCE_ROW_COLUMN, elt_pipeline_configs
from elt_project.db.tsql_scripts import dialect_for
from elt_project.errors import ConfigurationError, EltError
from elt_project.pipeline import setup_columns, setup_ddl
from elt_project.pipeline.column_mappings import format_mapping
from elt_project.settings import Settings

Kind = Literal["table", "index", "procedure"]


@dataclass(frozen=True)
class SetupStatement:
    """One executable statement of the script, with what it creates (to skip existing transforms)."""

    kind: Kind
    name: str
    sql: str


@dataclass
class SetupSql:
    """The generated setup for some imports in one dialect.

    ``sql`` is the whole script as a person would run it; ``files`` maps file names
    (``<pipeline>_setup.<dialect>.sql`` and, on SQLite, ``<procedure>.sql``) to
    their content; ``problems`` lists imports that could not be generated and why.
    """

    dialect: str
    sql: str = ""
    files: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    statements: list[SetupStatement] = field(default_factory=list)
    transform_scripts: dict[str, str] = field(default_factory=dict)
    #: import name -> the column_mapping the generated names imply (stored by apply).
    mappings: dict[str, str] = field(default_factory=dict)


def generate_setup_sql(configs: list[PipelineConfig], dialect: str, settings: Settings | None = None) -> SetupSql:
    """Build the setup script for ``configs`` (usually one pipeline group) in ``dialect``.

    ``settings`` is accepted for symmetry with the other steps; generation reads
    only the sample files named by the configs.
    """
    sql_dialect = dialect_for(dialect)
    result = SetupSql(dialect=sql_dialect.name)
    sections: list[str] = []
    for pipeline_name, group in _by_pipeline(configs).items():
        problems: list[str] = []
        sampled = []
        profiles: dict[str, setup_columns.SampledColumns] = {}
        for config in group:
            try:
                profile = setup_columns.sample_profile(config)
            except EltError as exc:
                problems.append(str(exc))
                continue
            profiles[config.import_name] = profile
            sampled.append((config, profile.columns))
            result.mappings[config.import_name] = format_mapping([(c.source, c.name) for c in profile.columns])
        statements = _group_statements(sampled, sql_dialect, problems)
        scripts = _transform_scripts(sampled, sql_dialect) if traits(sql_dialect).transforms_as_script else {}
        text = _render_file(pipeline_name, group, statements, scripts, sql_dialect, problems)
        text = _with_type_notes(text, profiles, sql_dialect)
        file_name = f"{slugify(pipeline_name).lower()}_setup.{sql_dialect.name}.sql"
        result.statements += statements
        result.transform_scripts.update(scripts)
        result.problems += problems
        result.files[file_name] = text
        result.files.update({f"{name}.sql": body for name, body in scripts.items()})
        sections.append(text)
    result.sql = "\n".join(sections)
    return result


def write_setup_sql(result: SetupSql, out_dir: Path) -> list[Path]:
    """Write ``result.files`` into ``out_dir`` (e.g. ``generated_sql/``), never into the live transforms."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in result.files.items():
        path = out_dir / name
        path.write_text(content, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def apply_setup_sql(engine: Engine, result: SetupSql, settings: Settings) -> list[str]:
    """Run the script against the warehouse in one transaction; returns what was done, line by line.

    Tables and indexes are created when missing. A transform that already exists
    (procedure, or SQLite script in ``settings.transforms_dir``) is kept: someone may
    have edited it, and the generated one stays in the script for review. In the
    same transaction each import without a ``column_mapping`` gets the one the
    generated names imply (``'Cost Total $ > cost_total'``), so the first run finds
    its columns. (``elt setup-sql --apply`` refuses a script with problems, such
    as an unreadable sample, before calling this.)
    """
    if engine.dialect.name != result.dialect:
        raise ConfigurationError(
            f"This setup SQL was generated for {result.dialect} but the warehouse is {engine.dialect.name}; "
            "generate it again with --dialect auto."
        )
    done: list[str] = []
    with engine.begin() as conn:
        dialects.open_ddl_transaction(conn)
        for statement in result.statements:
            if statement.kind == "procedure" and ddl_text.procedure_exists(conn, statement.name):
                done.append(f"kept existing procedure {statement.name}")
                continue
            try:
                conn.exec_driver_sql(statement.sql)
            except sa.exc.DBAPIError as exc:
                raise ConfigurationError(
                    f"The setup SQL failed at {statement.kind} {statement.name} and nothing was applied: "
                    f"the database said '{_database_message(exc)}'; {_advice(exc, statement)}"
                ) from exc
            done.append(f"{statement.kind} {statement.name}")
        done += _store_mappings(conn, result.mappings)
    for name, body in result.transform_scripts.items():
        target = settings.transforms_dir / f"{name}.sql"
        if target.exists():
            done.append(f"kept existing transform script {target}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".sql.tmp")
        tmp.write_text(body, encoding="utf-8", newline="\n")
        shutil.move(tmp, target)
        done.append(f"transform script {target}")
    return done


def _database_message(exc: sa.exc.DBAPIError) -> str:
    original = getattr(exc, "orig", None) or exc
    return ((str(original).strip().splitlines() or [type(original).__name__])[0])[:300]


def _advice(exc: sa.exc.DBAPIError, statement: SetupStatement) -> str:
    """What to do about a failed statement; the column limits are the usual cause with wide files."""
    message = _database_message(exc).lower()
    if "too many columns" in message or "at most 1600 columns" in message or "maximum of 1024" in message:
        return (
            f"the sample file has more columns than one {statement.kind} of this warehouse can hold "
            "(SQLite 2,000, PostgreSQL 1,600, SQL Server 1,024); split the file into narrower files "
            "(one import each) or load it into a warehouse with a higher limit."
        )
    return "fix the sample file or the generated script, then apply again."


def _store_mappings(conn: sa.Connection, mappings: dict[str, str]) -> list[str]:
    """Write the implied column_mapping of each import that has none (inside the apply's transaction)."""
    table = elt_pipeline_configs
    done = []
    for import_name, mapping in mappings.items():
        current = conn.execute(
            sa.select(table.c.column_mapping).where(table.c.import_name == import_name)
        ).scalar_one_or_none()
        if current and current.strip():
            done.append(f"kept existing column_mapping of {import_name}")
            continue
        conn.execute(table.update().where(table.c.import_name == import_name).values(column_mapping=mapping))
        done.append(f"column_mapping of {import_name}")
    return done


# ---- building the statements ---------------------------------------------------------------


def _by_pipeline(configs: Iterable[PipelineConfig]) -> dict[str, list[PipelineConfig]]:
    groups: dict[str, list[PipelineConfig]] = {}
    for config in configs:
        groups.setdefault(config.pipeline_name, []).append(config)
    return groups


def _group_statements(
    sampled: list[tuple[PipelineConfig, list[setup_ddl.Column]]], dialect: Dialect, problems: list[str]
) -> list[SetupStatement]:
    staging: dict[str, list[setup_ddl.Column]] = {}
    destination: dict[str, list[setup_ddl.Column]] = {}
    for config, columns in sampled:
        staging[config.staging_table] = setup_ddl.merge_columns(staging.get(config.staging_table), columns)
        destination[config.destination_table] = setup_ddl.merge_columns(
            destination.get(config.destination_table), columns
        )
    statements: list[SetupStatement] = []
    for name, columns in staging.items():
        table = setup_ddl.staging_table(name, columns)
        statements.append(SetupStatement("table", name, ddl_text.create_table(table, dialect)))
        index = setup_ddl.run_id_index(table)
        statements.append(SetupStatement("index", str(index.name), ddl_text.create_index(index, dialect)))
    for name, columns in destination.items():
        if name in staging:
            problems.append(f"{name} is both a staging and a destination table; give them different names.")
            continue
        table = setup_ddl.destination_table(name, columns, dialect)
        statements.append(SetupStatement("table", name, ddl_text.create_table(table, dialect)))
    if not traits(dialect).transforms_as_script:
        for procedure, pairs in _transforms(sampled).items():
            sql = setup_ddl.create_procedure(procedure, pairs, dialect)
            statements.append(SetupStatement("procedure", procedure, sql))
    return statements


def _transforms(
    sampled: list[tuple[PipelineConfig, list[setup_ddl.Column]]],
) -> dict[str, list[setup_ddl.TransformStep]]:
    """Procedure name -> the distinct (staging, destination, columns) steps it runs, in config order."""
    procedures: dict[str, dict[tuple[str, str], setup_ddl.TransformStep]] = {}
    for config, columns in sampled:
        if not config.transform_procedure:
            continue
        steps = procedures.setdefault(config.transform_procedure, {})
        key = (config.staging_table, config.destination_table)
        previous = steps.get(key)
        merged = setup_ddl.merge_columns(previous.columns if previous else None, columns)
        steps[key] = setup_ddl.TransformStep(config.staging_table, config.destination_table, merged)
    return {name: list(steps.values()) for name, steps in procedures.items()}


def _transform_scripts(
    sampled: list[tuple[PipelineConfig, list[setup_ddl.Column]]], dialect: Dialect
) -> dict[str, str]:
    return {name: setup_ddl.sqlite_script(name, steps, dialect) for name, steps in _transforms(sampled).items()}


def _render_file(
    pipeline_name: str,
    group: list[PipelineConfig],
    statements: list[SetupStatement],
    scripts: dict[str, str],
    dialect: Dialect,
    problems: list[str],
) -> str:
    separator = traits(dialect).script_separator
    lines = [
        f"-- Setup for pipeline '{_comment(pipeline_name)}' ({dialect.name}), inferred from sample files.",
        "-- Review before running: column types come from every row of one sample file per import",
        "-- (the notes below say what each type rests on); a later file may still hold other values.",
        f"-- Lineage columns on staging tables: {RUN_ID_COLUMN}, {SOURCE_HASH_COLUMN}, {SOURCE_ROW_COLUMN}.",
    ]
    for config in group:
        if not config.transform_procedure:
            lines.append(
                f"-- {_comment(config.import_name)}: no transform_procedure, "
                "the built-in transform copies the shared columns."
            )
    for name in scripts:
        lines.append(f"-- SQLite has no procedures: save {name}.sql (written beside this file) in transforms/.")
    lines += [f"-- PROBLEM: {_comment(problem)}" for problem in problems]
    body = [f"{statement.sql}\n{separator}" for statement in statements]
    return "\n".join(lines) + "\n\n" + "\n".join(body)


def _with_type_notes(text: str, profiles: dict[str, setup_columns.SampledColumns], dialect: Dialect) -> str:
    """Insert, after the header comments, one line per column saying what its type rests on."""
    notes: list[str] = []
    for import_name, profile in profiles.items():
        notes.append(f"-- {_comment(import_name)}: {profile.rows:,} sample rows of {_comment(profile.sample_file)}")
        for column in profile.columns:
            type_sql = setup_ddl.sql_type(column.logical).compile(dialect=dialect)
            notes.append(f"--   {_comment(column.name)} {type_sql}: {_comment(column.basis)}")
    head, sep, body = text.partition("\n\n")
    return "\n".join([head, *notes]) + sep + body


def _comment(text: str) -> str:
    """Text made safe for a one-line SQL comment."""
    return " ".join(text.split())
