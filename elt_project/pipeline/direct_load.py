"""One write per row: files parsed straight into their destinations, in the transaction that marks them LOADED.

The staged flow writes every row twice — into the staging table, then, cast, into the
destination — and on PostgreSQL the second write (text cast to each type, WAL for
both) cost as much as parsing the file. When the imports of a run use the built-in
transform, the typed Arrow batches go by binary ``COPY`` (:mod:`elt_project.db.pg_binary`)
straight into the destinations instead. This serves ``run_import`` (``python3 launch.py elt run
IMPORT``, ``elt retry``), ``run_pipeline`` (``elt run --pipeline GROUP``) and the Dagster
staging step (:func:`load_new_files`), and ONE transaction
holds, for every import of the run at once (the group commits together):

1. ``TRUNCATE`` of each ``replace`` destination, then the ``COPY`` of every file's rows
   (a reader waits for the commit, or of an ``append`` sees the earlier rows; never a
   half-loaded table);
2. the quality rules' log (every rule was settled on the batches as they went by,
   :mod:`.quality_stream`), the ledger LOADED, ``last_import_date``, the
   replace→append switch and the run log SUCCESS (:func:`.transform.finish`).

The files are claimed in the ledger first, committed, as in the staged flow (a
concurrent run meets the same compare-and-set). A kill at any later moment rolls the
transaction back: no row in any destination, the files STAGED and the run logs
STARTED, which recovery releases as a lost run, exactly as after a kill of a staged
load; there are no staged rows that a transform could mistake for the files.

Nothing the staged flow guarantees is weakened: this path is only taken when it gives
the same result, and it steps aside (rolls back, releases its claims, and the staged
flow runs the whole run as before) whenever any import of it would not:

- a warehouse with a direct writer (:mod:`elt_project.db.direct_write`: PostgreSQL with
  ``pgpq``, SQL Server through pyodbc, SQLite in a file through a scratch copy of staging
  attached to the transaction); the built-in transform (a procedure or script
  reads the staging table, so it keeps it); no reload, no remote fetch, no
  ``staging_retention_days`` (those need the staged rows), and a ``deduplication_key``
  only where the writer applies it (SQL Server's MERGE); no staging table shared by two
  imports of the run, nor a ``replace`` destination fed by two;
- every quality rule one the stream can settle, and every row passing it (a failing
  or unsure rule needs the SQL pass to count, sample and copy the rejected rows);
- the file's columns match the staging table (no drift to resolve), no value the
  built-in transform would refuse or change, and every column with an exact binary
  form in the destination.

The staging table is still required (with ``dagster_run_id``): it defines the
columns and their checks, exactly as a staged load would apply them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.db import direct_write
from elt_project.db.schema import etl_pipeline_run_logs
from elt_project.errors import EltError
from elt_project.ingest.identity import FileIdentity
from elt_project.ingest.paths import check_monitored_root
from elt_project.pipeline import (
    archive,
    growth,
    ledger,
    quality,
    recovery,
    remote,
    retention,
    run_log,
    source_files,
    transform,
)
from elt_project.pipeline.crashpoints import crash_point
from elt_project.pipeline.direct_files import FileLoader, StepAside
from elt_project.pipeline.enrichment import Enricher, load_enricher
from elt_project.pipeline.quality_stream import StreamChecks
from elt_project.pipeline.results import FileOutcome, RunSummary, StageResult, TransformResult
from elt_project.pipeline.staging import lineage_columns
from elt_project.pipeline.tables import reflect_table
from elt_project.settings import Settings


def applies(engine: Engine, config: PipelineConfig, *, reload: bool) -> bool:
    """Whether the import may be loaded directly at all (the checks that need no file)."""
    writes, deduplicates = direct_write.supports(engine)
    return (
        writes
        and not config.transform_procedure
        and not reload
        and not remote.is_remote(config)
        and not remote.is_download_only(config)
        and not (config.load_method == "append" and config.deduplication_key and not deduplicates)
        and not (config.staging_retention_days and config.staging_retention_days > 0)
    )


def run(
    engine: Engine,
    settings: Settings,
    config: PipelineConfig,
    identities: Sequence[FileIdentity],
    *,
    run_id: str,
    trigger: str = "manual",
) -> RunSummary | None:
    """Load ``identities`` of one import straight into its destination; None when the staged flow must do it."""
    return run_group(engine, settings, [(config, identities)], run_id=run_id, trigger=trigger)


@dataclass
class _Import:
    """One import of a direct run: what it loads into, its rules, and what it has done so far."""

    config: PipelineConfig
    identities: Sequence[FileIdentity]
    staging: sa.Table
    destination: sa.Table
    rules: list[QualityRule]
    checks: StreamChecks
    enricher: Enricher
    stage: StageResult
    log_id: int | None = None
    claimed: list[FileIdentity] = field(default_factory=list)
    writer: direct_write.Writer | None = None
    deduplicated: int = 0


def run_group(
    engine: Engine,
    settings: Settings,
    work: Sequence[tuple[PipelineConfig, Sequence[FileIdentity]]],
    *,
    run_id: str,
    trigger: str = "manual",
) -> RunSummary | None:
    """Load every ``(config, files)`` of one group straight into the destinations, in ONE transaction.

    The group commits together, as its staged transform does: every file is claimed
    first (committed), then one transaction empties the ``replace`` destinations,
    COPYs every import's files in the given (``depends_on``) order, writes every
    import's rules' log, ledger LOADED, switch and run log SUCCESS, and commits once.
    If any import would not give the staged flow's result, none is loaded directly:
    None is returned and nothing is left behind (claims FAILED for the staged flow to
    take over under the same run id, this attempt's run-log rows removed).
    """
    del settings  # the same signature as the staged flow; nothing here reads settings
    if not work or any(not identities for _, identities in work) or _shares_tables([c for c, _ in work]):
        return None
    imports: list[_Import] = []
    try:  # a missing table or a malformed rule: the staged flow reports it, with the ledger and run log
        for config, identities in work:
            item = _prepare(engine, config, identities, run_id)
            if item is None:
                return None
            imports.append(item)
        transform.check_switch_targets(engine, [item.config for item in imports])
        for item in imports:
            retention.purge_expired(engine, item.config, item.staging, current_run_id=run_id)
        started = time.perf_counter()
        for item in imports:
            item.log_id = run_log.start(engine, run_id, item.config, trigger)
    except Exception:  # noqa: BLE001
        _step_aside(engine, imports, run_id)
        return None
    configs = [item.config for item in imports]
    result = TransformResult(pipeline_name=configs[0].pipeline_name, run_id=run_id)
    try:
        for item in imports:
            item.claimed = _claim(engine, item.config, item.identities, run_id)
        with engine.begin() as conn:
            _open_writers(conn, imports, result)
            for item in imports:
                _load(conn, item, result, run_id, started)
                started = time.perf_counter()
            loaded = time.perf_counter()
            for item in imports:
                item.stage.quality, _ = quality.evaluate(
                    conn, item.config, item.staging, run_id, item.rules, passed=item.checks.passed()
                )
                crash_point("after_quality")
                if item.log_id is None:  # every run log is started before the transaction
                    raise StepAside
                _log_files(conn, item.log_id, item.stage)
                result.rows_loaded[item.config.import_name] = item.stage.rows_read - item.deduplicated
            crash_point("mid_transform")
            claimed = {item.config.import_name: [i.sha256 for i in item.claimed] for item in imports}
            transform.finish(conn, configs, run_id, result, claimed)
            crash_point("before_commit")
    except Exception:  # noqa: BLE001 - whatever it was, the staged flow meets it again and reports it
        _step_aside(engine, imports, run_id)
        return None
    crash_point("after_commit")
    result.duration_s = time.perf_counter() - loaded  # rules' log, ledgers, run logs and commit
    result.imports = [c.import_name for c in configs]
    for item in imports:
        archive.archive(item.config, [Path(i.path) for i in item.claimed], "processed")
    return RunSummary(run_id=run_id, stages=[item.stage for item in imports], transform=result)


def _shares_tables(configs: list[PipelineConfig]) -> bool:
    """Two imports of the run staging into one table, or a ``replace`` destination fed by two imports.

    The staged flow's rules then read both imports' rows together (a UNIQUE across
    them), and its transform empties such a destination once per staging table, so
    the later one's rows alone remain. Such a run keeps the staged flow rather than
    change its result.
    """
    stagings = [c.staging_table.lower() for c in configs]
    destinations = [c.destination_table.lower() for c in configs]
    replaced = {c.destination_table.lower() for c in configs if c.load_method == "replace"}
    return len(set(stagings)) < len(stagings) or any(destinations.count(name) > 1 for name in replaced)


def _prepare(engine: Engine, config: PipelineConfig, identities: Sequence[FileIdentity], run_id: str) -> _Import | None:
    """Tables, rules and enrichment of one import, or None when it must take the staged flow."""
    if any(growth.grown_reason(engine, config, identity) for identity in identities):
        return None
    staging = reflect_table(engine, config.staging_table, what="staging table")
    lineage_columns(staging)
    destination = reflect_table(engine, config.destination_table, what="destination table")
    rules = quality.load_rules(engine, config)
    checks = StreamChecks(rules, staging, engine.dialect.name)
    if len(checks.passed()) != len(rules):
        return None  # a rule only the SQL pass can settle
    enricher = load_enricher(engine, staging, config.staging_table)
    stage = StageResult(config.import_name, config.pipeline_name, run_id, config.staging_table)
    return _Import(config, identities, staging, destination, rules, checks, enricher, stage)


def _open_writers(conn: Connection, imports: list[_Import], result: TransformResult) -> None:
    """One warehouse writer per import, opened in destination-name order.

    A writer empties a ``replace`` destination (PostgreSQL as it opens, SQL Server
    just before its one INSERT); one order for every direct run means two of them
    emptying the same tables queue behind each other instead of deadlocking.
    """
    for item in sorted(imports, key=lambda item: item.config.destination_table.lower()):
        config = item.config
        item.writer = direct_write.open_writer(
            conn, item.destination, load_method=config.load_method, deduplication_key=config.deduplication_key or ()
        )
        if config.load_method == "replace":
            result.truncated_tables.append(config.destination_table)


def _load(conn: Connection, item: _Import, result: TransformResult, run_id: str, started: float) -> None:
    """Write one import's claimed files through its writer, on the group's connection."""
    config, stage = item.config, item.stage
    writer = item.writer
    if writer is None:  # writers are opened before any import is loaded
        raise StepAside
    loader = FileLoader(conn, config, item.staging, item.destination, item.enricher, item.checks, run_id, writer)
    for identity in item.claimed:
        rows = loader.load(identity)
        stage.files.append(FileOutcome(identity.path, identity.sha256, identity.size, "staged", rows))
        stage.rows_read += rows
        crash_point("after_staging_write")
    stage.preview = loader.preview
    if len(item.checks.passed()) != len(item.rules) or (config.load_method == "replace" and not stage.rows_read):
        raise StepAside  # a rule a row may fail, or an empty replace: the staged flow reports them
    item.deduplicated = writer.finish()
    if item.deduplicated:
        result.rows_deduplicated[config.import_name] = item.deduplicated
    stage.rows_staged = stage.rows_read
    stage.timings["load"] = stage.duration_s = time.perf_counter() - started  # parse → COPY, as a staging load


def _claim(
    engine: Engine, config: PipelineConfig, identities: Sequence[FileIdentity], run_id: str
) -> list[FileIdentity]:
    """Claim every file, committed as in the staged flow (a crash leaves them STAGED for recovery).

    A file already loaded, or one another run holds, sends the run to the staged flow,
    which skips or reports it in its own words.
    """
    claimed = []
    for identity in identities:
        if ledger.claim(engine, config.import_name, identity, run_id) != "claimed":
            raise StepAside
        claimed.append(identity)
    return claimed


#: What a claim given back says; read only if the run dies before the staged flow claims the file again.
_MOVING = "stopped while moving the file from the direct load to the staging table."


def _step_aside(engine: Engine, imports: list[_Import], run_id: str) -> None:
    """Undo this attempt: its claims become FAILED (the staged flow takes them over under the same
    run id, by the ledger's compare-and-set) and its run-log rows go (the staged flow writes its own).

    The claims carry recovery's "Run lost" note: a run killed before its staged flow
    claims them again leaves them to the sensor's recovery pass, like any lost file.
    """
    try:
        for item in imports:
            if item.log_id is None:
                continue
            ledger.mark_failed(engine, item.config.import_name, run_id, f"{recovery.LOST_NOTE}run {run_id} {_MOVING}")
            with engine.begin() as conn:
                conn.execute(sa.delete(etl_pipeline_run_logs).where(etl_pipeline_run_logs.c.id == item.log_id))
    except Exception:  # noqa: BLE001 - the warehouse is gone: the staged flow reports that, recovery frees the files
        return


def _log_files(conn: Connection, log_id: int, stage: StageResult) -> None:
    names = ", ".join(f.path.name for f in stage.files)
    hashes = [f.content_hash for f in stage.files]
    run_log.update(
        conn,
        log_id,
        file_name=names[:1024] or None,
        file_hash=hashes[0] if len(hashes) == 1 else None,
        rows_read=stage.rows_read,
        rows_staged=stage.rows_staged,
        rows_rejected=0,
    )


def load_new_files(
    engine: Engine,
    settings: Settings,
    configs: Sequence[PipelineConfig],
    files: Sequence[str | Path] | None = None,
    *,
    run_id: str,
    trigger: str = "manual",
    reload: bool = False,
) -> RunSummary | None:
    """Load the imports among ``configs`` that have new files straight into their destinations, together.

    One transaction for all of them (:func:`run_group`), so a group commits as one, as
    its staged transform does. None when any of them must take the staged flow (or none
    has a new file): nothing was done and the caller stages them all as before. The
    imports without new files are not in the summary; the caller logs them.
    """
    if not configs or not all(applies(engine, c, reload=reload) for c in configs):
        return None
    work = []
    for config in configs:
        try:
            if config.monitored_directory:
                check_monitored_root(config.monitored_directory, settings.monitored_root_folders())
            identities = source_files.source_files(engine, config, files)
        except EltError:
            return None  # the staged flow reports it
        if identities:
            work.append((config, identities))
    return run_group(engine, settings, work, run_id=run_id, trigger=trigger)
