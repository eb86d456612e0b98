"""What a run does when a file's columns differ from its import's tables (``schema_policy``).

The column plan (:func:`elt_project.pipeline.mapping.match_columns`) finds the
difference; this module applies the import's policy to it, before any row is staged:

- ``freeze`` (the default): a new or missing column stops the run with the names,
  as it always did — nothing is dropped silently.
- ``evolve``: a new column is typed from the whole file by the same rules as
  ``setup-sql`` (:func:`elt_project.ingest.schema_sample.profile_columns`), added to
  staging before the load (and dropped again if the load fails), then added to the
  destination and the column mapping by the transform, inside its one transaction,
  so the destination gains the column and its rows together or not at all.
  Only the built-in transform can follow: a ``transform_procedure`` copies a fixed
  column list, so an evolving import with one is refused with the names.
- ``ignore_new``: new columns are not loaded, and every run says so, naming them.

``schema_allow_missing`` (any policy): a mapped column the file lacks loads as NULL
when its destination column is nullable; otherwise it stays an error.

A value that needs a wider type (:class:`~elt_project.pipeline.conversion.WideningNeeded`)
is never widened here: the run fails and :func:`propose_widening` records the
ALTER TABLE for an admin. Every change is recorded (:mod:`.schema_changes`).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import PipelineConfig
from elt_project.db import dialects
from elt_project.db.schema import elt_pipeline_configs
from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.pipeline import schema_changes, schema_ddl
from elt_project.pipeline.column_mappings import format_mapping
from elt_project.pipeline.conversion import WideningNeeded
from elt_project.pipeline.mapping import ColumnPlan, Drift, match_columns, parse_column_mapping
from elt_project.pipeline.schema_changes import NewColumn
from elt_project.pipeline.setup_columns import safe_column_names
from elt_project.pipeline.tables import display_name, find_column, reflect_table


@dataclass
class Resolution:
    """The column plan to load with, and what the policy did to get it."""

    plan: ColumnPlan
    staging: sa.Table
    #: Columns this file added to staging: dropped again when its load fails.
    added_to_staging: list[str] = field(default_factory=list)
    #: Columns the transform adds to the destination (recorded once the file is staged).
    new_columns: list[NewColumn] = field(default_factory=list)
    #: (action, columns) recorded once the file is staged.
    changes: list[tuple[str, list[str]]] = field(default_factory=list)
    #: Sentences the run reports (new columns left out).
    notes: list[str] = field(default_factory=list)


def resolve(engine: Engine, staging: sa.Table, config: PipelineConfig, headers: list[str], path: Path) -> Resolution:
    """Match ``headers`` to ``staging`` and apply the import's policy to any difference (see module doc)."""
    file_name = path.name
    plan, drift = match_columns(
        headers, staging, config.column_mapping, import_name=config.import_name, file_name=file_name
    )
    if not drift:
        return Resolution(plan, staging)
    refused = Drift(
        new=drift.new if config.schema_policy == "freeze" else (),
        missing=drift.missing if not config.schema_allow_missing else (),
        mapped=drift.mapped,
    )
    if refused:
        raise refused.error(staging, import_name=config.import_name, file_name=file_name)
    result = Resolution(plan, staging)
    if drift.missing:
        _allow_missing(engine, config, drift, file_name)
        result.changes.append((schema_changes.MISSING_ALLOWED, [source for source, _ in drift.missing]))
    if drift.new and config.schema_policy == "ignore_new":
        names = [header for _, header in drift.new]
        result.changes.append((schema_changes.IGNORED, names))
        quoted = ", ".join(f"'{n}'" for n in names)
        result.notes.append(
            f"File {file_name} has new column(s) {quoted} that import '{config.import_name}' does not load "
            "(schema_policy ignore_new)."
        )
    elif drift.new:
        _evolve(engine, config, drift, headers, path, result)
    return result


def _allow_missing(engine: Engine, config: PipelineConfig, drift: Drift, file_name: str) -> None:
    """Refuse unless every missing column is nullable in the destination (where NULL would land)."""
    destination = reflect_table(engine, config.destination_table, what=f"destination of import '{config.import_name}'")
    blocked = []
    for source, target in drift.missing:
        column = find_column(destination, target)
        if column is None or not column.nullable:
            blocked.append(source)
    if blocked:
        names = ", ".join(f"'{n}'" for n in blocked)
        raise SourceFileError(
            f"File {file_name} lacks column(s) {names} of import '{config.import_name}', which destination "
            f"{config.destination_table} has as NOT NULL (or not at all), so they cannot load as NULL; fix the file."
        )


def _evolve(engine: Engine, config: PipelineConfig, drift: Drift, headers: list[str], path: Path, result) -> None:
    """Type the new columns from the whole file and add the missing ones to staging."""
    from elt_project.ingest.schema_sample import profile_columns  # ingest owns reading files

    quoted = ", ".join(f"'{header}'" for _, header in drift.new)
    if config.transform_procedure:
        raise ConfigurationError(
            f"File {path.name} has new column(s) {quoted}, but import '{config.import_name}' copies a fixed "
            f"column list in transform_procedure '{config.transform_procedure}'; add the columns to the "
            "tables, the procedure and column_mapping, or set schema_policy to 'ignore_new'."
        )
    guesses, _ = profile_columns(
        path, file_type=config.file_type, parser_function=config.parser_function, options=config.scraper_config
    )
    logical = [guess.logical for guess in guesses]
    names = safe_column_names(headers)
    taken = {target.lower() for target in result.plan.targets}
    statements, new_columns = [], []
    for index, header in drift.new:
        name = names[index]
        if name.lower() in taken:
            raise ConfigurationError(
                f"New column '{header}' of file {path.name} would be named {name}, which import "
                f"'{config.import_name}' already loads from another column; map it in column_mapping by hand."
            )
        taken.add(name.lower())
        existing = find_column(result.staging, name)
        column = NewColumn(header, existing.name if existing is not None else name, logical[index])
        if existing is None:
            statements.append(
                schema_ddl.add_column(config.staging_table, name, column.logical, engine.dialect, staging=True)
            )
        new_columns.append((index, column))
    if statements:
        with engine.begin() as conn:
            dialects.open_ddl_transaction(conn)
            for statement in statements:
                conn.exec_driver_sql(statement)
        result.added_to_staging = [c.name for _, c in new_columns if find_column(result.staging, c.name) is None]
        result.staging = reflect_table(engine, config.staging_table, what="staging table")
    pairs = sorted([*zip(result.plan.sources, result.plan.targets), *((i, c.name) for i, c in new_columns)])
    result.plan = ColumnPlan(tuple(i for i, _ in pairs), tuple(t for _, t in pairs))
    result.new_columns = [c for _, c in new_columns if _still_to_add(engine, config, c, result.added_to_staging)]


def _still_to_add(engine: Engine, config: PipelineConfig, column: NewColumn, added_to_staging: list[str]) -> bool:
    """False for a column an earlier run already added everywhere (a header that matches only by safe name).

    Without a ``column_mapping`` headers match by name, so ``Unit Price (EUR)`` never
    matches its column ``unit_price_eur``: it is loaded into it, but not recorded again.
    """
    if column.name in added_to_staging or config.column_mapping:
        return True
    with contextlib.suppress(ConfigurationError):
        destination = reflect_table(engine, config.destination_table, what="destination table")
        return find_column(destination, column.name) is None
    return True


def undo_staging(engine: Engine, config: PipelineConfig, names: list[str]) -> None:
    """Drop the columns a failed load added to staging, so a failed run leaves the tables as they were."""
    if not names:
        return
    prep = engine.dialect.identifier_preparer
    table = prep.format_table(schema_ddl.table_ref(config.staging_table))
    with engine.begin() as conn:
        dialects.open_ddl_transaction(conn)
        for name in names:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {prep.quote(sa.sql.quoted_name(name, True))}")


def record_staged(engine: Engine, config: PipelineConfig, run_id: str, file_name: str, result: Resolution) -> None:
    """After the file staged: record what the policy did (the added columns as pending the transform)."""
    for action, columns in result.changes:
        schema_changes.record(
            engine, import_name=config.import_name, run_id=run_id, file_name=file_name, action=action, columns=columns
        )
    if result.new_columns:
        schema_changes.record_pending_add(
            engine, import_name=config.import_name, run_id=run_id, file_name=file_name, columns=result.new_columns
        )


def apply_evolution(conn: Connection, config: PipelineConfig, run_id: str) -> list[str]:
    """In the transform's transaction: add this run's new columns to the destination and column mapping.

    Returns the columns added. Called before the destination is reflected, so the
    built-in INSERT ... SELECT copies the new columns with the rest.
    """
    pending = schema_changes.pending_adds(conn, run_id, config.import_name)
    if not pending:
        return []
    dialects.open_ddl_transaction(conn)
    added: list[str] = []
    for row_id, columns in pending:
        destination = reflect_table(conn, config.destination_table, what="destination table")
        types = []
        for column in columns:
            type_ = schema_ddl.sql_type(column.logical).compile(dialect=conn.dialect)
            types.append({"name": column.name, "type": type_})
            if find_column(destination, column.name) is None:
                conn.exec_driver_sql(
                    schema_ddl.add_column(
                        config.destination_table, column.name, column.logical, conn.dialect, staging=False
                    )
                )
                added.append(column.name)
        _extend_mapping(conn, config, columns)
        schema_changes.mark_added(conn, row_id, json.dumps(types))
    return added


def _extend_mapping(conn: Connection, config: PipelineConfig, columns: list[NewColumn]) -> None:
    """Append ``Header > column`` pairs to a stored column_mapping (an import without one matches by name)."""
    table = elt_pipeline_configs
    current = conn.execute(sa.select(table.c.column_mapping).where(table.c.import_name == config.import_name)).scalar()
    if not current or not current.strip():
        return
    pairs = parse_column_mapping(current, import_name=config.import_name)
    known = {target.lower() for _, target in pairs}
    pairs += [(c.header, c.name) for c in columns if c.name.lower() not in known]
    conn.execute(
        sa.update(table).where(table.c.import_name == config.import_name).values(column_mapping=format_mapping(pairs))
    )


def propose_widening(
    engine: Engine, config: PipelineConfig, staging: sa.Table, exc: WideningNeeded, path: Path, run_id: str
) -> SourceFileError:
    """Record the ALTER TABLE that would let the file load, and return the run's error saying so."""
    from elt_project.ingest.schema_sample import profile_columns

    guesses, _ = profile_columns(
        path, file_type=config.file_type, parser_function=config.parser_function, options=config.scraper_config
    )
    headers = [guess.name for guess in guesses]
    seen = _seen_type(config, staging, exc.column, headers, guesses, path)
    tables = [staging]
    if not config.transform_procedure:
        with contextlib.suppress(ConfigurationError, SourceFileError):  # no destination yet: staging only
            tables.append(reflect_table(engine, config.destination_table, what="destination table"))
    statements = schema_ddl.widening_statements(tables, exc.column, seen, engine.dialect) if seen else []
    schema_changes.record(
        engine,
        import_name=config.import_name,
        run_id=run_id,
        file_name=path.name,
        action=schema_changes.WIDENING_PROPOSED,
        columns=[exc.column],
        detail=str(exc),
        proposed_ddl="\n".join(statements) or None,
    )
    where = f"{', '.join(display_name(t) for t in tables)}"
    advice = (
        "the proposed ALTER TABLE is recorded in elt_schema_changes and shown on the Data Importer page — "
        "an admin reviews and runs it, then runs the import again"
        if statements
        else f"widen column '{exc.column}' of {where} by hand, then run the import again"
    )
    return SourceFileError(f"{exc} Nothing was changed: {advice}.")


def _seen_type(config, staging, column: str, headers, guesses, path) -> str | None:
    """The type ``setup-sql`` would give the file column that loads into staging column ``column``."""
    plan, _ = match_columns(
        headers, staging, config.column_mapping, import_name=config.import_name, file_name=path.name
    )
    for source, target in zip(plan.sources, plan.targets):
        if target.lower() == column.lower():
            return guesses[source].logical
    return None
