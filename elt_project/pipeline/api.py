"""Entry points of the engine. Dagster assets, the CLI and the web runner call only these.

Contract (kept stable for callers):

``stage_import(engine, settings, config, files=None, *, run_id, trigger="manual", raise_on_quality_failure=True)``
    Parse the given files (or, with ``files=None``, every file in the import's
    monitored folder matching its pattern that the ledger has not loaded), apply
    column mapping and enrichment, bulk-load into the staging table tagged with
    ``run_id``, evaluate the data-quality rules on this run's rows, record the
    ledger (status STAGED) and the run log. Identical files already LOADED are
    skipped as duplicates. Returns a :class:`StageResult`. A FAIL rule raises
    :class:`DataQualityFailure` unless ``raise_on_quality_failure`` is False (the
    Dagster asset reports it as a blocking asset check instead); either way the
    import is then not transformed. When staging fails, every file the run was to
    load is FAILED in the ledger, including those it never reached (a missing
    table, an earlier file that broke), so they can be retried
    (:mod:`elt_project.pipeline.retry`).

``transform_group(engine, settings, configs, *, run_id, trigger="manual")``
    For the imports among ``configs`` (one pipeline group) whose files this run
    STAGED: dedup, truncate ``replace`` destinations, run the transform, mark the
    ledger LOADED, set ``last_import_date`` and apply the replace→append switch, all
    in ONE transaction; then purge this run's staging rows per retention policy.
    Returns a :class:`TransformResult`.

``direct_load.load_new_files(engine, settings, configs, files=None, *, run_id, trigger="manual", reload=False)``
    With the built-in transform: the imports' new files straight into
    their destinations, all in ONE transaction with their ledgers LOADED and run logs
    SUCCESS (:mod:`.direct_load`); None when any import must be staged. ``run_import``,
    ``run_pipeline`` and the Dagster staging step try it first; the transform step of
    such a run then finds nothing staged (``TransformResult.loaded_directly``).

``run_import(engine, settings, config, files=None, *, run_id=None)`` and
``run_pipeline(engine, settings, pipeline_name, *, run_id=None)``
    Both steps end to end (CLI ``elt run``), returning a :class:`RunSummary`.
    ``run_import`` raises the project's errors; ``run_pipeline`` stages every
    active import of the group (``depends_on`` imports first), transforms those that staged cleanly and lists the
    others' one-sentence errors in ``RunSummary.errors`` (``summary.failed``).

Run-log statuses: STARTED → STAGED → SUCCESS, or FAILED, QUALITY_FAILED,
SKIPPED_DUPLICATE (every file already loaded) and NO_NEW_FILES (nothing to load).

``new_run_id()``
    A run id for runs outside Dagster.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.config.ordering import dependency_order
from elt_project.config.repository import load_pipeline_configs
from elt_project.errors import (
    ConfigurationError,
    DataQualityFailure,
    EltError,
    SourceFileError,
    TransientError,
)
from elt_project.ingest.paths import check_monitored_root
from elt_project.pipeline import (
    archive,
    direct_load,
    failures,
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
from elt_project.pipeline import reload as reload_mod
from elt_project.pipeline import staging as staging_mod
from elt_project.pipeline.crashpoints import crash_point
from elt_project.pipeline.enrichment import load_enricher
from elt_project.pipeline.quality_stream import StreamChecks, settled_rules
from elt_project.pipeline.results import FileOutcome, RunSummary, StageResult, TransformResult
from elt_project.pipeline.staging import lineage_columns
from elt_project.pipeline.tables import reflect_table
from elt_project.settings import Settings


def new_run_id() -> str:
    """A run id for runs started outside Dagster (CLI, tests): ``manual-`` plus a uuid."""
    return f"manual-{uuid.uuid4()}"


def stage_import(
    engine: Engine,
    settings: Settings,
    config: PipelineConfig,
    files: Sequence[str | Path] | None = None,
    *,
    run_id: str,
    trigger: str = "manual",
    raise_on_quality_failure: bool = True,
    reload: bool = False,
) -> StageResult:
    """Parse, map, enrich and stage the import's files, then check quality (see the module docstring).

    ``reload`` loads the given ``files`` again even when the ledger has them LOADED
    (after fixing a wrong encoding or delimiter): see :mod:`elt_project.pipeline.reload`.
    """
    if reload:
        reload_mod.check_can_reload(engine, config, files)
    started = time.perf_counter()
    if remote.is_download_only(config):
        return remote.run_download(engine, settings, config, run_id=run_id, trigger=trigger)
    if config.monitored_directory and not remote.is_remote(config):
        check_monitored_root(config.monitored_directory, settings.monitored_root_folders())
    result = StageResult(config.import_name, config.pipeline_name, run_id, config.staging_table)
    try:
        log_id = run_log.start(engine, run_id, config, trigger)
    except Exception as exc:  # nothing of this run exists yet: only say what kind of failure it was
        raise failures.classify(exc, f"import '{config.import_name}' was starting") from exc
    staged_hashes: list[str] = []
    fetch = None
    identities: list | None = None
    try:
        staging = reflect_table(engine, config.staging_table, what=f"staging table of import '{config.import_name}'")
        lineage_columns(staging)  # a staging table without dagster_run_id fails here, before any work
        retention.purge_expired(engine, config, staging, current_run_id=run_id)
        if remote.is_remote(config):
            if files:
                raise ConfigurationError(
                    f"Import '{config.import_name}' fetches its data itself ({config.parser_function}); "
                    "run it without naming files."
                )
            fetch = remote.RemoteFetch(engine, settings, config, run_id)
            identities = fetch.identities()
        else:
            identities = source_files.source_files(engine, config, files)
        enricher = load_enricher(engine, staging, config.staging_table)
        rules = quality.load_rules(engine, config)
        stream_checks = StreamChecks(rules, staging, engine.dialect.name)
        refused: list[str] = []
        for identity in identities:
            path = identity.path
            if fetch is None and not reload and (reason := growth.grown_reason(engine, config, identity)):
                ledger.record_refused(engine, config.import_name, identity, run_id, reason)
                result.files.append(FileOutcome(path, identity.sha256, identity.size, "refused", message=reason))
                refused.append(reason)
                continue
            if ledger.claim(engine, config.import_name, identity, run_id, reload=reload) == "duplicate":
                result.files.append(FileOutcome(path, identity.sha256, identity.size, "duplicate"))
                continue
            staged_hashes.append(identity.sha256)
            try:
                load = staging_mod.load_file(
                    engine,
                    staging,
                    fetch.load_config(identity) if fetch else config,
                    path,
                    enricher=enricher,
                    run_id=run_id,
                    content_hash=identity.sha256,
                    observe=stream_checks.observe,
                )
            except Exception as exc:
                result.files.append(FileOutcome(path, identity.sha256, identity.size, "failed", message=str(exc)))
                raise
            crash_point("after_staging_write")
            if load.narrowing:
                ledger.note_narrowing(engine, config.import_name, identity.sha256, run_id, load.narrowing)
            result.notes.extend(load.notes)
            result.files.append(FileOutcome(path, identity.sha256, identity.size, "staged", load.rows_read))
            result.rows_read += load.rows_read
            result.rows_staged += load.rows_staged
            result.preview = result.preview or load.preview
        result.timings["load"] = time.perf_counter() - started
        _log_files(engine, log_id, result)
        if refused and not result.staged_files:
            raise SourceFileError(refused[0])
        if refused or result.notes:  # said on every run that has them, the run still loads
            run_log.update(engine, log_id, error_message=" ".join([*refused, *result.notes])[:4000])
        _refuse_empty_replace(config, result)
        if not result.staged_files:
            status = run_log.SKIPPED_DUPLICATE if result.files else run_log.NO_NEW_FILES
            run_log.update(engine, log_id, status=status, rows_read=0, rows_staged=0)
            result.duration_s = time.perf_counter() - started
            return result
        checked = time.perf_counter()
        result.quality, result.rows_rejected = quality.evaluate(
            engine,
            config,
            staging,
            run_id,
            rules,
            passed=settled_rules(engine, config, run_id, staged_hashes, stream_checks),
        )
        result.timings["quality"] = time.perf_counter() - checked
        crash_point("after_quality")
    except Exception as exc:
        error = failures.classify(exc, f"import '{config.import_name}' was staging")
        if staged_hashes:
            staging_mod.delete_run_rows(engine, staging, run_id, staged_hashes)
        ledger.mark_failed(engine, config.import_name, run_id, str(error))
        _record_unclaimed(engine, config, files, identities, result, run_id, str(error))
        _log_files(engine, log_id, result)  # the failed file is named in the run log too
        run_log.fail(engine, log_id, error)
        with engine.connect() as conn:
            failed_here = set(ledger.failed_paths(conn, run_id, config.import_name))
        tried = [f.path for f in result.files if f.status == "failed" and str(f.path) in failed_here]
        archive.archive(config, tried, "failed")
        if error is exc:
            raise
        raise error from exc
    finally:
        if fetch is not None:
            fetch.close()  # the rows are in staging (or the run failed): temporary downloads go
    counts = {"rows_read": result.rows_read, "rows_staged": result.rows_staged, "rows_rejected": result.rows_rejected}
    result.duration_s = time.perf_counter() - started
    if result.quality_failed:
        failure = _quality_failure(config, run_id, result)
        ledger.mark_failed(engine, config.import_name, run_id, str(failure))
        run_log.update(
            engine,
            log_id,
            status=run_log.QUALITY_FAILED,
            error_message=str(failure),
            resolution_steps=failure.resolution,
            **counts,
        )
        if raise_on_quality_failure:
            raise failure
        return result
    run_log.update(engine, log_id, status=run_log.STAGED, **counts)
    return result


def transform_group(
    engine: Engine,
    settings: Settings,
    configs: Sequence[PipelineConfig],
    *,
    run_id: str,
    trigger: str = "manual",
    will_retry: bool = False,
) -> TransformResult:
    """Dedup and transform the imports this run staged, in one transaction (see the module docstring).

    ``will_retry``: the caller retries a :class:`TransientError` (Dagster's retry of the
    step), so the files stay STAGED for the next attempt instead of becoming FAILED.
    """
    configs = list(configs)
    pipeline_name = configs[0].pipeline_name if configs else ""
    try:
        result = transform.run_transform(engine, settings, configs, run_id, pipeline_name)
    except Exception as exc:
        error = failures.classify(exc, f"group '{pipeline_name}' was transforming")
        if will_retry and isinstance(error, TransientError):
            raise error from (None if error is exc else exc)
        recovery.release_taken_over(engine, configs, run_id)  # its staged rows go; the run log fails below
        for config in configs:
            ledger.mark_failed(engine, config.import_name, run_id, str(error))
            with engine.connect() as conn:
                log_id = run_log.find(conn, run_id, config.import_name)
            if log_id is not None:
                run_log.fail(engine, log_id, error)
        if error is exc:
            raise
        raise error from exc
    crash_point("after_commit")
    if not result.imports:  # the staging step loaded this run's files directly (or found none)
        result.loaded_directly = run_log.committed_rows(engine, run_id, [c.import_name for c in configs])
    by_name = {c.import_name: c for c in configs}
    taken = recovery.release_taken_over(engine, [c for c in configs if c.import_name not in result.imports], run_id)
    for name in result.imports:
        config = by_name[name]
        staging = reflect_table(engine, config.staging_table, what="staging table")
        retention.after_success(engine, config, staging, run_id)
        with engine.connect() as conn:
            paths = ledger.loaded_files(conn, run_id, name)
        if remote.is_remote(config):
            remote.after_loaded(engine, settings, config, paths)
        else:
            archive.archive(config, [Path(p) for p in paths], "processed")
    if taken:
        raise recovery.taken_over_error(taken[0])
    return result


def run_import(
    engine: Engine,
    settings: Settings,
    config: PipelineConfig,
    files: Sequence[str | Path] | None = None,
    *,
    run_id: str | None = None,
    reload: bool = False,
) -> RunSummary:
    """Stage then transform one import (``elt run IMPORT [--reload]``); errors are raised as EltError."""
    run_id = run_id or new_run_id()
    direct = direct_load.load_new_files(engine, settings, [config], files, run_id=run_id, reload=reload)
    if direct is not None:
        return direct
    summary = RunSummary(run_id=run_id)
    stage = stage_import(engine, settings, config, files, run_id=run_id, reload=reload)
    summary.stages.append(stage)
    if stage.staged_files:
        summary.transform = transform_group(engine, settings, [config], run_id=run_id)
    return summary


def run_pipeline(engine: Engine, settings: Settings, pipeline_name: str, *, run_id: str | None = None) -> RunSummary:
    """Stage every active import of a group, then transform the ones that staged cleanly.

    On the direct path (:func:`.direct_load.load_new_files`) the imports with new files are loaded in
    one transaction instead and the others only log NO_NEW_FILES; nothing is staged.

    One import's bad file or failed quality does not stop the others: their errors
    are collected in ``RunSummary.errors`` (one sentence each) and the caller checks
    ``summary.failed``. A failing transform is raised.
    """
    run_id = run_id or new_run_id()
    configs, _problems = load_pipeline_configs(engine)
    configs = dependency_order([c for c in configs if c.pipeline_name == pipeline_name])
    if not configs:
        raise ConfigurationError(
            f"No active import belongs to pipeline '{pipeline_name}'; check the name with "
            "`python3 launch.py elt imports`."
        )
    summary = direct_load.load_new_files(engine, settings, configs, run_id=run_id)
    direct = summary is not None
    summary = summary or RunSummary(run_id=run_id)
    done = {stage.import_name for stage in summary.stages}
    errors: list[EltError] = []
    for config in (c for c in configs if c.import_name not in done):
        try:  # after a direct load only the imports without new files are left: they log NO_NEW_FILES
            stage = stage_import(
                engine, settings, config, [] if direct else None, run_id=run_id, raise_on_quality_failure=False
            )
        except EltError as exc:
            errors.append(exc)
            continue
        summary.stages.append(stage)
        if stage.quality_failed:
            errors.append(_quality_failure(config, run_id, stage))
    if not direct and any(stage.staged_files and not stage.quality_failed for stage in summary.stages):
        summary.transform = transform_group(engine, settings, configs, run_id=run_id)
    summary.errors = [str(e) for e in errors]
    return summary


def _record_unclaimed(engine: Engine, config: PipelineConfig, files, identities, result, run_id, message) -> None:
    """Files the failed run was to load but never reached (no table yet, an earlier file broke) become FAILED.

    Without a ledger row such a file would look done to the sensor and never be
    retried once the cause is fixed; see :mod:`elt_project.pipeline.retry`.
    """
    if remote.is_remote(config):
        return  # a remote import fetches afresh on its next run; its downloads are gone already
    if identities is None:
        try:
            identities = source_files.source_files(engine, config, files)
        except EltError:  # the folder or a named file is the problem: nothing to record
            return
    reached = {f.content_hash for f in result.files}
    unclaimed = [identity for identity in identities if identity.sha256 not in reached]
    ledger.record_failed(engine, config.import_name, unclaimed, run_id, message)


def _refuse_empty_replace(config: PipelineConfig, result: StageResult) -> None:
    """A replace load of files with a header but no rows would empty the destination: refuse it.

    An empty export is far more often a broken extract than a real "the table is now
    empty", so the destination is kept and a person decides.
    """
    if config.load_method == "replace" and result.staged_files and result.rows_staged == 0:
        names = ", ".join(f.path.name for f in result.staged_files)
        raise SourceFileError(
            f"{names} has a header but no data rows, and import '{config.import_name}' replaces "
            f"{config.destination_table}; the destination was left unchanged — drop a file with rows."
        )


def _log_files(engine: Engine, log_id: int, result: StageResult) -> None:
    names = ", ".join(f.path.name for f in result.files)
    hashes = [f.content_hash for f in result.files]
    run_log.update(engine, log_id, file_name=names[:1024] or None, file_hash=hashes[0] if len(hashes) == 1 else None)


def _quality_failure(config: PipelineConfig, run_id: str, result: StageResult) -> DataQualityFailure:
    failed = [q for q in result.quality if q.blocks]
    rules = ", ".join(f"'{q.rule_name}' ({q.failing_rows} row{'' if q.failing_rows == 1 else 's'})" for q in failed)
    return DataQualityFailure(
        f"Import '{config.import_name}' failed data quality rule(s) {rules}; the staged rows are kept for "
        f"inspection under run id {run_id} and failing rows are in elt_rejected_rows."
    )
