"""Staging → destination for the imports of one group staged in one run, in ONE transaction.

Inside a single transaction, in order:

0. for a reload (``--reload``) of an ``append`` import, the rows the file's earlier
   load added are deleted (:mod:`.reload`);
1. dedup of ``append`` imports with a ``deduplication_key`` (:mod:`.dedup`);
2. for each transform target — imports sharing a ``transform_procedure`` form one
   target and the procedure is called once; imports without one form a target per
   (staging, destination) pair and get the built-in transform:
   - ``replace`` destinations of imports that staged files in this run are emptied
     (by the procedure on PostgreSQL/SQL Server, which receives them as
     ``tables_to_truncate``; by the engine for SQLite scripts and the built-in
     transform); ``append`` destinations are never emptied;
   - the procedure / SQLite script runs, or the built-in INSERT ... SELECT of the
     columns staging and destination share, cast to the destination's types;
   (before all of it, ``schema_policy`` ``evolve`` adds the run's new columns to the
   destination and the column mapping: :func:`.schema_drift.apply_evolution`);
3. the ledger rows become LOADED, ``last_import_date`` is set, the
   replace→append switch (``on_success_deactivate_self_and_activate_import``) is
   applied, and the run-log rows become SUCCESS.

Any error rolls everything back: the destination is unchanged, the ledger is not
LOADED, and a :class:`TransformError` names the procedure, script or table.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import PipelineConfig
from elt_project.db import dialect_expressions, dialects, exact_casts
from elt_project.db.schema import elt_pipeline_configs
from elt_project.errors import ConfigurationError, EltError, TransformError, TransientError
from elt_project.pipeline import ledger, run_log, schema_drift
from elt_project.pipeline.crashpoints import crash_point
from elt_project.pipeline.dedup import deduplicate
from elt_project.pipeline.failures import classify, is_disk_full, is_transient
from elt_project.pipeline.reload import remove_earlier_rows
from elt_project.pipeline.results import TransformResult
from elt_project.pipeline.staging import count_run_rows, lineage_columns
from elt_project.pipeline.tables import display_name, find_column, reflect_table
from elt_project.settings import Settings


@dataclass
class _Target:
    procedure: str | None
    configs: list[PipelineConfig] = field(default_factory=list)

    def describe(self) -> str:
        if self.procedure:
            return f"transform procedure '{self.procedure}'"
        return f"built-in transform into {self.configs[0].destination_table}"


def plan_targets(configs: list[PipelineConfig]) -> list[_Target]:
    """Group imports into transform targets (one call per procedure, one insert per table pair)."""
    targets: dict[tuple, _Target] = {}
    for config in configs:
        if config.transform_procedure:
            key: tuple = ("proc", config.transform_procedure.lower())
        else:
            key = ("builtin", config.staging_table.lower(), config.destination_table.lower())
        targets.setdefault(key, _Target(config.transform_procedure)).configs.append(config)
    return list(targets.values())


def run_transform(
    engine: Engine, settings: Settings, configs: list[PipelineConfig], run_id: str, pipeline_name: str
) -> TransformResult:
    """Transform the imports among ``configs`` that this run staged (see the module docstring)."""
    started = time.perf_counter()
    result = TransformResult(pipeline_name=pipeline_name, run_id=run_id)
    with engine.connect() as conn:
        staged = ledger.staged_files(conn, run_id, [c.import_name for c in configs])
    todo = [c for c in configs if c.import_name in staged]
    if not todo:
        return result
    check_switch_targets(engine, todo)
    _refuse_narrowing(engine, todo, run_id)
    current: _Target | None = None
    try:
        with engine.begin() as conn:
            for config in todo:  # schema_policy evolve: new columns join the destination in this transaction
                schema_drift.apply_evolution(conn, config, run_id)
            tables = _reflect(conn, todo)
            for config in todo:  # a reload: the earlier rows go first, before dedup compares with them
                removed = remove_earlier_rows(conn, config, tables[config.destination_table], run_id)
                if removed:
                    result.rows_replaced[config.import_name] = removed
            for config in todo:
                staging, destination = tables[config.staging_table], tables[config.destination_table]
                result.rows_deduplicated[config.import_name] = deduplicate(conn, config, staging, destination, run_id)
            targets = plan_targets(todo)
            shared = _staging_tables_shared_by_targets(targets)
            for current in targets:
                _run_target(conn, settings, current, tables, run_id, result, shared)
                crash_point("mid_transform")
            current = None
            finish(conn, todo, run_id, result, staged)
            crash_point("before_commit")
    except EltError:
        raise
    except sa.exc.IntegrityError as exc:
        raise TransformError(
            f"The {current.describe() if current else 'transform'} was rolled back because the new rows violate "
            "a unique key or constraint of the destination; remove the duplicates from the source file "
            "(or set deduplication_key) and run again."
        ) from exc
    except Exception as exc:
        if is_disk_full(exc) or is_transient(exc, _reason(exc)):  # a dropped connection, a lock, a full disk
            raise classify(exc, "the transform ran (it was rolled back)") from exc
        what = current.describe() if current else "transform"
        raise TransformError(
            f"The {what} failed and was rolled back, the destination is unchanged ({_reason(exc)}); "
            "fix it and run again."
        ) from exc
    result.imports = [c.import_name for c in todo]
    result.duration_s = time.perf_counter() - started
    return result


def _reason(exc: Exception) -> str:
    """The database's own first line (e.g. 'invalid input syntax for type numeric: "abc"')."""
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return first_line[:200]


def _reflect(conn: Connection, configs: list[PipelineConfig]) -> dict[str, sa.Table]:
    tables: dict[str, sa.Table] = {}
    for config in configs:
        if config.staging_table not in tables:
            tables[config.staging_table] = reflect_table(conn, config.staging_table, what="staging table")
        if config.destination_table not in tables:
            tables[config.destination_table] = reflect_table(conn, config.destination_table, what="destination table")
    return tables


def _staging_tables_shared_by_targets(targets: list[_Target]) -> set[str]:
    """Staging tables that feed more than one target in this run: their rows must be told apart by file."""
    seen: dict[str, int] = {}
    for target in targets:
        for name in {c.staging_table.lower() for c in target.configs}:
            seen[name] = seen.get(name, 0) + 1
    return {name for name, count in seen.items() if count > 1}


def _run_target(
    conn: Connection, settings: Settings, target: _Target, tables, run_id: str, result, shared: set[str]
) -> None:
    replace_tables = list(dict.fromkeys(c.destination_table for c in target.configs if c.load_method == "replace"))
    if target.procedure is None or dialects.engine_truncates_for_procedure(conn.dialect):
        for name in replace_tables:
            dialects.truncate(conn, tables[name])
            result.truncated_tables.append(name)
    if target.procedure:
        dialects.call_transform(conn, settings.transforms_dir, target.procedure, run_id, replace_tables)
        if not dialects.engine_truncates_for_procedure(conn.dialect):
            result.truncated_tables.extend(replace_tables)
        for config in target.configs:  # rows handed to the procedure, per import
            hashes = ledger.staged_hashes(conn, run_id, config.import_name)
            result.rows_loaded[config.import_name] = count_run_rows(conn, tables[config.staging_table], run_id, hashes)
        return
    first = target.configs[0]
    staging = tables[first.staging_table]
    hashes = {c.import_name: ledger.staged_hashes(conn, run_id, c.import_name) for c in target.configs}
    only_these = None
    if first.staging_table.lower() in shared:
        if not lineage_columns(staging)["hash"]:
            raise ConfigurationError(
                f"Staging table {first.staging_table} feeds several destinations in one run but has no "
                "source_file_hash column to tell their rows apart; add the column (the generated DDL has it) "
                "or give the imports a transform_procedure."
            )
        only_these = [h for import_hashes in hashes.values() for h in import_hashes]
    loaded = builtin_insert(conn, staging, tables[first.destination_table], run_id, only_these)
    if len(target.configs) == 1:
        result.rows_loaded[first.import_name] = loaded
        return
    for config in target.configs:  # several imports into one destination: count each one's rows
        result.rows_loaded[config.import_name] = count_run_rows(conn, staging, run_id, hashes[config.import_name])


def builtin_insert(
    conn: Connection,
    staging: sa.Table,
    destination: sa.Table,
    run_id: str | None,
    content_hashes: list[str] | None = None,
    *,
    exact_reals: Mapping[str, str] | None = None,
) -> int:
    """INSERT INTO destination (shared columns) SELECT them FROM staging for this run; returns rows.

    With ``content_hashes`` only the rows of those files are inserted (a staging table
    shared by imports with different destinations). ``run_id`` None takes every row: a
    scratch copy of staging holding one file's rows (:mod:`elt_project.db.sqlite_scratch`), where
    ``exact_reals`` names, per text column, a column holding the exact double its text parses to.
    Text going into a number column was checked while it was staged, null markers staged as NULL (:mod:`.conversion`);
    here it is cast, on SQLite parsed exactly (:mod:`elt_project.db.exact_casts`).
    """
    pairs = []
    for column in destination.columns:
        source = find_column(staging, column.name)
        if source is not None:
            pairs.append((column, source))
    if not pairs:
        raise ConfigurationError(
            f"Staging table {display_name(staging)} and destination {display_name(destination)} share no "
            "column names; rename the columns or set transform_procedure."
        )
    lineage = lineage_columns(staging)
    condition = staging.c[lineage["run"]] == run_id if run_id is not None else sa.true()
    if content_hashes is not None:
        condition = sa.and_(condition, staging.c[lineage["hash"]].in_(content_hashes))
    numbers = {
        column.name
        for column, source in pairs
        if exact_casts.number_kind(column.type) and isinstance(source.type, sa.String)
    }
    if numbers:
        exact_casts.prepare_connection(conn)
    exact_reals = exact_reals or {}
    select = sa.select(
        *(
            staging.c[exact_reals[source.name]]
            if column.name in numbers and source.name in exact_reals
            else exact_casts.cast_number(source, column, conn.dialect)
            if column.name in numbers
            else dialect_expressions.cast_to_destination(source, column, conn.dialect)
            for column, source in pairs
        )
    ).where(condition)
    statement = sa.insert(destination).from_select([column.name for column, _ in pairs], select)
    rowcount = conn.execution_options(preserve_rowcount=True).execute(statement).rowcount
    if rowcount is not None and rowcount >= 0:
        return rowcount
    if run_id is None:  # some drivers do not report INSERT ... SELECT counts
        return int(conn.execute(sa.select(sa.func.count()).select_from(staging)).scalar_one())
    return count_run_rows(conn, staging, run_id, content_hashes)


def _refuse_narrowing(engine: Engine, configs: list[PipelineConfig], run_id: str) -> None:
    """Stop before the transaction when staging found a value a number column would change."""
    builtin = [c.import_name for c in configs if not c.transform_procedure]
    with engine.connect() as conn:
        notes = ledger.narrowing_notes(conn, run_id, builtin)
    if notes:
        raise TransformError(
            f"The transform was not run and the destination is unchanged: {notes[0]}",
            resolution="Make the destination column text, or fix the value in the source file, then run again.",
        )


def check_switch_targets(engine: Engine, configs: list[PipelineConfig]) -> None:
    """Fail before loading anything when a replace→append switch names an unknown import."""
    names = [c.on_success_deactivate_self_and_activate_import for c in configs]
    names = [n for n in names if n]
    if not names:
        return
    table = elt_pipeline_configs
    with engine.connect() as conn:
        known = {r[0] for r in conn.execute(sa.select(table.c.import_name).where(table.c.import_name.in_(names)))}
    for config in configs:
        target = config.on_success_deactivate_self_and_activate_import
        if target and target not in known:
            raise ConfigurationError(
                f"Import '{config.import_name}' would activate '{target}' after loading, but no import has that "
                "name; fix on_success_deactivate_self_and_activate_import."
            )


def finish(
    conn: Connection,
    configs: list[PipelineConfig],
    run_id: str,
    result: TransformResult,
    staged: dict[str, list[str]],
) -> None:
    """Ledger, last_import_date, the replace→append switch and run logs, in the transform's transaction.

    Every file this run staged must still be this run's in the ledger: a file taken
    over by another run (a retry started meanwhile) will be loaded by that run, so
    this transaction is rolled back rather than loading it twice.
    """
    now = ledger.utcnow()
    table = elt_pipeline_configs
    for config in configs:
        loaded = result.rows_loaded.get(config.import_name)
        marked = ledger.mark_loaded(conn, config.import_name, run_id, loaded)
        if marked != len(staged[config.import_name]):
            raise TransientError(
                f"Another run took over file(s) of import '{config.import_name}' during this transform, so it "
                "was rolled back and nothing was loaded twice; check that run's result."
            )
        conn.execute(sa.update(table).where(table.c.import_name == config.import_name).values(last_import_date=now))
        target = config.on_success_deactivate_self_and_activate_import
        if target:
            conn.execute(sa.update(table).where(table.c.import_name == config.import_name).values(is_active=0))
            conn.execute(sa.update(table).where(table.c.import_name == target).values(is_active=1))
            ledger.hand_over(conn, config.import_name, target, run_id)  # its files are loaded: not new to target
            result.activated_imports.append(target)
        log_id = run_log.find(conn, run_id, config.import_name)
        if log_id is not None:
            run_log.update(
                conn,
                log_id,
                status=run_log.SUCCESS,
                rows_deduplicated=result.rows_deduplicated.get(config.import_name, 0),
                rows_loaded=loaded,
            )
