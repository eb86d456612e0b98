"""The file sensor's recovery pass: files of runs that died are requested again, by themselves.

Run monitoring fails a run whose worker died (``dagster.yaml``), but failing the run
does not load its files: they are STAGED in the ledger (the worker died holding
them) or have no ledger row at all (it died before claiming them, and the sensor's
run key for that content is spent). Every ``settings.recovery_after_seconds`` at most,
the pass:

1. releases the import's open runs that Dagster says are finished, or that it does
   not know (``elt run`` in a shell) and that were idle for the bound: their files
   become FAILED with the "Run lost" note, their staged rows go, their run-log rows
   are closed (:func:`elt_project.pipeline.recovery.release_dead_runs`); runs that
   died after committing get their staged rows purged and files archived;
2. looks at the content it requested at least the bound ago (``cursor.inflight``):
   content the ledger still does not know, or a lost file its re-request never
   claimed, is recorded as lost once no unfinished run of the import names it;
3. requests every lost file still in the folder again, with a run key naming the lost
   run and the attempt (Dagster never reuses a key), at most
   ``settings.recovery_max_attempts`` times per file; after that the file is held
   back as failed, and ``elt retry`` loads it.

Never twice: the ledger's claim takes a FAILED row over only as it was read, LOADED
content is skipped, and a transform commits only the files still its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import elt_file_ledger as ledger_table
from elt_project.ingest.identity import FileIdentity
from elt_project.orchestration.file_watch import PlannedRun, WatchCursor
from elt_project.orchestration.retry_watch import file_name
from elt_project.pipeline import ledger
from elt_project.pipeline import recovery as engine_recovery
from elt_project.settings import Settings

UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
#: The pass runs at most this often even with a shorter bound: it queries the ledger.
MIN_PASS_INTERVAL_S = 30.0


@dataclass
class RecoveryPlan:
    runs: list[PlannedRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: lost files that used up their attempts: the retry rules and `python3 launch.py elt retry` take them from here
    exhausted: set[str] = field(default_factory=set)
    #: lost files the pass is still handling (the retry rules leave them alone)
    handling: set[str] = field(default_factory=set)


def dagster_judge(instance: dg.DagsterInstance, bound_s: float):
    """Dead = a Dagster run that has finished, or a run Dagster does not know that was idle for the bound."""
    idle = engine_recovery.older_than(bound_s)

    def is_dead(run_id: str, last_active) -> bool:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return idle(run_id, last_active)
        return run.is_finished

    return is_dead


def pending_files(instance: dg.DagsterInstance, import_slug: str, op_name: str) -> tuple[set[str], bool]:
    """File names that unfinished runs of the import will load, and whether one loads its whole folder."""
    names: set[str] = set()
    whole_folder = False
    for run in instance.get_runs(filters=dg.RunsFilter(tags={"import": import_slug}, statuses=UNFINISHED)):
        files = ((run.run_config or {}).get("ops", {}).get(op_name, {}).get("config") or {}).get("files") or []
        whole_folder = whole_folder or not files
        names.update(Path(f).name for f in files)
    return names, whole_folder


def recover(
    *,
    instance: dg.DagsterInstance,
    engine: sa.engine.Engine,
    settings: Settings,
    config: PipelineConfig,
    op_name: str,
    cursor: WatchCursor,
    listing: Mapping[str, tuple[int, float]],
    busy: set[str],
    now: float,
) -> RecoveryPlan:
    """One recovery pass (see the module docstring); updates ``cursor`` in place."""
    plan = RecoveryPlan()
    bound = float(settings.recovery_after_seconds)
    if now - cursor.checked < min(bound, MIN_PASS_INTERVAL_S):
        _classify(plan, engine_recovery.lost_files(engine, config.import_name), cursor, settings)
        return plan
    cursor.checked = now
    released = engine_recovery.release_dead_runs(
        engine, config, dagster_judge(instance, bound), "ended without finishing this file (its worker died)"
    )
    if released.runs:
        plan.notes.append(
            f"Released {released.files} file(s), {released.staging_rows} staged row(s) and {released.run_logs} "
            f"open run log(s) of {len(released.runs)} lost run(s)."
        )
    engine_recovery.finish_committed_runs(engine, config)
    _settle_inflight(instance, engine, config, op_name, cursor, listing, now, bound, busy)
    lost = engine_recovery.lost_files(engine, config.import_name)
    # Counts go only once the file is loaded (or gone from the ledger): a retry that is STAGED right
    # now and dies as well must find its count still there, or the attempts would never run out.
    done = _loaded_or_unknown(engine, config.import_name, set(cursor.recovered))
    cursor.recovered = {h: n for h, n in cursor.recovered.items() if h not in done}
    due = []
    for entry in lost:
        digest, name = entry.content_hash, file_name(entry)
        if digest in busy or digest in cursor.inflight or listing.get(name) != (entry.file_size, entry.file_mtime):
            continue
        if cursor.recovered.get(digest, 0) >= settings.recovery_max_attempts:
            continue
        cursor.recovered[digest] = cursor.recovered.get(digest, 0) + 1
        cursor.inflight[digest] = [name, now, entry.run_id]
        due.append(entry)
    _classify(plan, lost, cursor, settings)
    plan.runs = _runs(config, due, cursor)
    return plan


def _classify(plan: RecoveryPlan, lost: list[ledger.FailedFile], cursor: WatchCursor, settings: Settings) -> None:
    """Lost files out of attempts (none pending) are exhausted; the others are this pass's to handle."""
    for entry in lost:
        digest = entry.content_hash
        spent = cursor.recovered.get(digest, 0) >= settings.recovery_max_attempts and digest not in cursor.inflight
        (plan.exhausted if spent else plan.handling).add(digest)


def _loaded_or_unknown(engine: sa.engine.Engine, import_name: str, hashes: set[str]) -> set[str]:
    """The subset of ``hashes`` that is LOADED, or has no ledger row, for the import."""
    if not hashes:
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ledger_table.c.content_hash, ledger_table.c.status).where(
                ledger_table.c.import_name == import_name, ledger_table.c.content_hash.in_(sorted(hashes))
            )
        ).all()
    pending = {h for h, status in rows if status not in (ledger.LOADED, ledger.RELOADING)}
    return hashes - pending


def _settle_inflight(instance, engine, config, op_name, cursor, listing, now, bound, busy) -> None:
    """Requested content the ledger has by now leaves ``inflight``; content nobody claimed is recorded lost.

    Content requested in this very tick (``busy``) has no run yet: Dagster makes it after the tick.
    """
    expired = {h: v for h, v in cursor.inflight.items() if h not in busy and now - float(v[1]) >= bound}
    if not expired:
        return
    with engine.connect() as conn:
        rows = {
            r.content_hash: r
            for r in conn.execute(
                sa.select(ledger_table.c.content_hash, ledger_table.c.status, ledger_table.c.run_id).where(
                    ledger_table.c.import_name == config.import_name,
                    ledger_table.c.content_hash.in_(list(expired)),
                )
            )
        }
    unclaimed = {
        h: v
        for h, v in expired.items()
        if h not in rows or (rows[h].status == ledger.FAILED and rows[h].run_id == v[2])
    }
    for digest in set(expired) - set(unclaimed):
        cursor.inflight.pop(digest, None)
    if not unclaimed:
        return
    names, whole_folder = pending_files(instance, config.asset_slug, op_name)
    if whole_folder:
        return  # a queued run loads the whole folder: it will claim them
    folder = Path(config.monitored_directory or "")
    for digest, (name, *_rest) in unclaimed.items():
        if name in names:
            continue  # still queued (behind other runs of the import): wait
        cursor.inflight.pop(digest, None)
        if digest not in rows and name in listing:
            size, mtime = listing[name]
            identity = FileIdentity(folder / name, size, mtime, digest)
            engine_recovery.record_lost(
                engine, config.import_name, [identity], "ended before claiming this file (its worker died)"
            )


def _runs(config: PipelineConfig, due: list[ledger.FailedFile], cursor: WatchCursor) -> list[PlannedRun]:
    slug = config.asset_slug
    if config.load_method == "append":
        return [
            PlannedRun(
                run_key=f"{slug}:{f.content_hash}:recover:{f.run_id}:{cursor.recovered[f.content_hash]}",
                files=[file_name(f)],
                hashes=[f.content_hash],
            )
            for f in due
        ]
    if not due:
        return []
    tokens = sorted(f"{f.content_hash}:{f.run_id}:{cursor.recovered[f.content_hash]}" for f in due)
    key = hashlib.sha256("\n".join(tokens).encode()).hexdigest()
    # A replace batch loads together: the run takes every not-yet-loaded file of the folder.
    return [PlannedRun(run_key=f"{slug}:recover:{key}", files=[], hashes=[f.content_hash for f in due])]
