"""Releasing what a dead run left behind, so its files can be loaded again.

A run whose process was killed (a crashed worker, a closed laptop, ``kill -9``) runs
no ``except`` or ``finally``: its files stay STAGED in the ledger, its staged rows
stay in staging and its run-log row stays STARTED or STAGED. Nothing was loaded
twice or lost (the transform is one transaction), but nothing moves either: a STAGED
file looks in progress to everyone.

:func:`release_dead_runs` finds the import's *open* runs (STAGED/RELOADING ledger rows,
STARTED/STAGED run-log rows) and, for those the caller judges dead, undoes what they
held: their files become FAILED with a note starting :data:`LOST_NOTE` (a reload goes
back to LOADED, the earlier load still stands), their staged rows are deleted and
their run-log rows are closed as FAILED with the reason. Who is dead is the caller's
question: the file sensor asks Dagster (a finished run cannot still be working),
``elt retry`` goes by age (:func:`older_than`). A run judged dead that was in fact
still alive loses its files to the retry and its transform rolls back (the ledger's
compare-and-set): slower, never a double load.

A run killed after its commit left LOADED files and SUCCESS logs but its staged rows
and unarchived files: :func:`finish_committed_runs` purges and archives those.

A live run whose files another run took over (:func:`release_taken_over`) is released
by itself, when it reaches its transform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import elt_file_ledger as ledger_table
from elt_project.db.schema import etl_pipeline_run_logs as run_logs
from elt_project.errors import EltError, TransientError
from elt_project.pipeline import archive, ledger, retention, run_log
from elt_project.pipeline.staging import delete_run_rows, lineage_columns
from elt_project.pipeline.tables import reflect_table

#: Start of the ledger error message of a file whose run died; the sensor re-requests these.
LOST_NOTE = "Run lost: "
#: Run-log statuses of a run that has not finished.
OPEN_LOG_STATUSES = (run_log.STARTED, run_log.STAGED)
RESOLUTION = "Nothing to do: the file sensor loads the file again (or run `python3 launch.py elt retry IMPORT`)."


@dataclass
class Released:
    """What :func:`release_dead_runs` undid."""

    runs: list[str] = field(default_factory=list)
    files: int = 0
    staging_rows: int = 0
    run_logs: int = 0


def open_runs(engine: Engine, import_name: str) -> dict[str, datetime]:
    """Run id → its latest activity, for runs of the import that hold STAGED files or an open run log."""
    found: dict[str, datetime] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ledger_table.c.run_id, sa.func.max(ledger_table.c.updated_at))
            .where(ledger_table.c.import_name == import_name, ledger_table.c.status.in_(ledger.IN_PROGRESS))
            .group_by(ledger_table.c.run_id)
        ).all()
        rows += conn.execute(
            sa.select(run_logs.c.run_id, sa.func.max(run_logs.c.start_time))
            .where(run_logs.c.import_name == import_name, run_logs.c.status.in_(OPEN_LOG_STATUSES))
            .group_by(run_logs.c.run_id)
        ).all()
    for run_id, moment in rows:
        if run_id is None:
            continue
        moment = moment or datetime.min
        found[run_id] = max(found.get(run_id, moment), moment)
    return found


def older_than(seconds: float, now: datetime | None = None) -> Callable[[str, datetime], bool]:
    """A judge for :func:`release_dead_runs`: a run is dead when its last activity is ``seconds`` old."""
    cutoff = (now or ledger.utcnow()) - timedelta(seconds=seconds)
    return lambda _run_id, last_active: last_active <= cutoff


def release_dead_runs(
    engine: Engine, config: PipelineConfig, is_dead: Callable[[str, datetime], bool], reason: str
) -> Released:
    """Undo what the import's dead runs held (see the module docstring); ``reason`` says why they count as dead."""
    released = Released()
    dead = [run_id for run_id, last in open_runs(engine, config.import_name).items() if is_dead(run_id, last)]
    if not dead:
        return released
    staging = _staging(engine, config)
    for run_id in dead:
        message = f"{LOST_NOTE}run {run_id} {reason}"
        with engine.begin() as conn:
            released.files += conn.execute(
                sa.select(sa.func.count()).where(
                    ledger_table.c.import_name == config.import_name,
                    ledger_table.c.run_id == run_id,
                    ledger_table.c.status.in_(ledger.IN_PROGRESS),
                )
            ).scalar_one()
            ledger.mark_failed(conn, config.import_name, run_id, message)
            released.run_logs += conn.execute(
                sa.update(run_logs)
                .where(
                    run_logs.c.run_id == run_id,
                    run_logs.c.import_name == config.import_name,
                    run_logs.c.status.in_(OPEN_LOG_STATUSES),
                )
                .values(
                    status=run_log.FAILED,
                    error_message=message[:4000],
                    resolution_steps=RESOLUTION,
                    end_time=ledger.utcnow(),
                )
            ).rowcount
        if staging is not None:
            released.staging_rows += delete_run_rows(engine, staging, run_id)
        released.runs.append(run_id)
    return released


def finish_committed_runs(engine: Engine, config: PipelineConfig) -> int:
    """Purge and archive for runs that committed but died before doing so; returns how many such runs.

    Such a run's rows are still in staging while its run log says SUCCESS; with
    ``staging_retention_days`` positive the rows are meant to stay, so nothing is done.
    """
    if config.staging_retention_days and config.staging_retention_days > 0:
        return 0
    staging = _staging(engine, config)
    if staging is None:
        return 0
    run_column = staging.c[lineage_columns(staging)["run"]]
    with engine.connect() as conn:
        finished = conn.scalars(
            sa.select(run_logs.c.run_id).where(
                run_logs.c.import_name == config.import_name,
                run_logs.c.status == run_log.SUCCESS,
                run_logs.c.run_id.in_(sa.select(run_column).distinct()),
            )
        ).all()
    for run_id in finished:
        retention.after_success(engine, config, staging, run_id)
        with engine.connect() as conn:
            paths = ledger.loaded_files(conn, run_id, config.import_name)
        archive.archive(config, [Path(p) for p in paths], "processed")
    return len(finished)


def lost_files(engine: Engine, import_name: str) -> list[ledger.FailedFile]:
    """The import's FAILED files whose run died (not a cause a person must fix)."""
    return [f for f in ledger.failed_files(engine, import_name) if (f.error_message or "").startswith(LOST_NOTE)]


def record_lost(engine: Engine, import_name: str, identities, reason: str) -> None:
    """Files a run was asked to load but never claimed (it died first) become FAILED with :data:`LOST_NOTE`."""
    ledger.record_failed(engine, import_name, identities, None, LOST_NOTE + reason)


def _staging(engine: Engine, config: PipelineConfig):
    try:
        staging = reflect_table(engine, config.staging_table, what="staging table")
        lineage_columns(staging)
        return staging
    except EltError:  # no staging table (yet): nothing can be staged in it
        return None


def release_taken_over(engine: Engine, configs: list[PipelineConfig], run_id: str) -> list[str]:
    """Imports whose files this run staged were all taken over by another run: undo what this run holds.

    Two loaders of one content at once (three names of one file, ``elt run`` beside the
    sensor) end with the later claim owning the ledger row; the earlier run then has
    nothing to transform. Without this its staged rows stayed in staging and its run
    log stayed STAGED forever. Its staged rows are deleted and its run log is closed as
    FAILED, saying the other run loads the file. Returns the imports released.
    """
    released = []
    for config in configs:
        with engine.connect() as conn:
            log_id = run_log.find(conn, run_id, config.import_name)
            status = conn.scalar(sa.select(run_logs.c.status).where(run_logs.c.id == log_id)) if log_id else None
            mine = ledger.staged_hashes(conn, run_id, config.import_name)
        if status != run_log.STAGED or mine:
            continue
        staging = _staging(engine, config)
        if staging is not None:
            delete_run_rows(engine, staging, run_id)
        run_log.fail(engine, log_id, taken_over_error(config.import_name))
        released.append(config.import_name)
    return released


def taken_over_error(import_name: str) -> TransientError:
    return TransientError(
        f"Another run took over the file(s) of import '{import_name}' that this run staged, so this run loaded "
        "nothing and nothing was loaded twice; check that run's result."
    )
