"""One file sensor per import that reads a monitored folder.

The sensor lists the folder, lets :func:`file_watch.plan_tick` decide, and asks
for runs of the import's staging asset plus its group's transform. The run key
is the import plus the content hash, so Dagster never starts two runs for the
same content and never skips new content that reuses an old file name. FAILED
files are retried once what their load depends on changes
(:mod:`elt_project.orchestration.retry_watch`).
"""

import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.ingest.identity import sha256_file
from elt_project.ingest.paths import native_path, scan_folder
from elt_project.orchestration.assets import staging_asset_name, staging_op_name, transform_asset_name
from elt_project.orchestration.file_watch import PENDING, WatchCursor, plan_tick
from elt_project.orchestration.recovery import recover
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.retry_watch import RetryPlan, held_message, plan_retries
from elt_project.pipeline import ledger, run_log
from elt_project.pipeline.ledger import FAILED, LOADED, REFUSED, RELOADING, failed_files
from elt_project.pipeline.retry import retry_basis
from elt_project.settings import Settings

#: Ledger states whose content a tick does not request as new.
SETTLED = (LOADED, RELOADING, FAILED, REFUSED)


def default_status(settings: Settings) -> dg.DefaultSensorStatus:
    if settings.sensors_running_by_default:
        return dg.DefaultSensorStatus.RUNNING
    return dg.DefaultSensorStatus.STOPPED


def list_folder(folder: Path, pattern: str | None) -> list[tuple[str, int, float]]:
    """``(name, size, mtime)`` of the files the import would load: the listing ``elt run`` uses too."""
    return [(f.name, f.size, f.mtime) for f in scan_folder(folder, pattern)]


def _busy(plan) -> set[str]:
    """Content this tick requests or holds for its batch window."""
    busy = {h for run in plan.runs for h in run.hashes}
    return busy | {s.sha256 for s in plan.cursor.files.values() if s.state == PENDING and s.sha256}


def _plan_retries(
    config: PipelineConfig,
    rules: Sequence[QualityRule],
    warehouse: WarehouseResource,
    plan,
    listing,
    now: float,
    recovering: set[str],
) -> RetryPlan:
    """Retries of FAILED files whose cause may be fixed (see :mod:`retry_watch`); lost runs' files excepted."""
    engine = warehouse.engine()
    busy = _busy(plan)
    return plan_retries(
        import_slug=config.asset_slug,
        load_method=config.load_method,
        failed=[f for f in failed_files(engine, config.import_name) if f.content_hash not in recovering],
        listing={name: (size, mtime) for name, size, mtime in listing},
        busy=busy,
        cursor=plan.cursor,
        basis=lambda: retry_basis(engine, config, rules),
        requesting=bool(plan.runs),
        now=now,
        seen={plan.cursor.files[n].sha256: n for n in plan.skipped_duplicates if n in plan.cursor.files},
    )


def build_file_sensor(
    config: PipelineConfig, job, settings: Settings, rules: Sequence[QualityRule] = ()
) -> dg.SensorDefinition:
    """The ``<import>_file_sensor``: stable, new files in the monitored folder start runs.

    It also retries the import's FAILED files once their cause may be fixed (``rules``
    are part of what it compares; see :mod:`elt_project.orchestration.retry_watch`).
    """
    staging = staging_asset_name(config)
    op_name = staging_op_name(config.pipeline_name)
    selection = [dg.AssetKey(staging), dg.AssetKey(transform_asset_name(config.pipeline_name))]
    folder = native_path(config.monitored_directory or "").expanduser()

    @dg.sensor(
        name=f"{config.asset_slug}_file_sensor",
        job=job,
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=default_status(settings),
        description=(
            f"Watches {folder} for {config.file_pattern or '*'}; a file starts a run once unchanged for "
            f"{settings.file_min_age_seconds} s"
            + (
                f", replace loads are batched for {settings.batch_window_seconds} s."
                if config.load_method == "replace"
                else "."
            )
        ),
        tags={"import": config.asset_slug},
    )
    def _sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        if not folder.is_dir():
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                return dg.SkipReason(
                    f"Monitored folder {folder} is missing and cannot be created ({exc.strerror}); "
                    f"fix monitored_directory of import '{config.import_name}'."
                )
            context.log.info(f"Created the missing monitored folder {folder}.")
            return dg.SkipReason(f"Created the missing monitored folder {folder}; it is empty.")

        listing = list_folder(folder, config.file_pattern)
        now = time.time()
        plan = plan_tick(
            import_slug=config.asset_slug,
            load_method=config.load_method,
            listing=listing,
            cursor=WatchCursor.from_json(context.cursor),
            now=now,
            min_age_s=settings.file_min_age_seconds,
            batch_window_s=settings.batch_window_seconds,
            # FAILED content is not asked for again as new: the retry rules below decide.
            loaded_hashes=lambda hashes: ledger.hashes_in(warehouse.engine(), config.import_name, hashes, SETTLED),
            hash_file=lambda name: sha256_file(folder / name),
        )
        for name in plan.skipped_duplicates:
            context.log.info(f"Skipped {name}: its content was already loaded, requested or failed.")
            state = plan.cursor.files.get(name)
            if state is not None and state.sha256:  # a copy of a loaded file is logged, for the page to show
                run_log.record_skipped_copy(
                    warehouse.engine(), config, folder / name, state.sha256, state.mtime, "sensor"
                )
        by_name = {name: (size, mtime) for name, size, mtime in listing}
        recovery = recover(
            instance=context.instance,
            engine=warehouse.engine(),
            settings=settings,
            config=config,
            op_name=op_name,
            cursor=plan.cursor,
            listing=by_name,
            busy=_busy(plan),
            now=now,
        )
        for note in recovery.notes:
            context.log.warning(note)
        for run in recovery.runs:
            context.log.warning(f"Requesting {', '.join(run.files) or 'the folder'} again: its earlier run died.")
        retries = _plan_retries(config, rules, warehouse, plan, listing, now, recovery.handling)
        plan.cursor.tried, plan.cursor.bases = retries.tried, retries.bases
        context.update_cursor(plan.cursor.to_json())
        for run in retries.runs:
            context.log.info(f"Retrying {', '.join(run.files) or 'the folder'}: what its load depends on changed.")
        if not plan.runs and not retries.runs and not recovery.runs:
            return dg.SkipReason(
                " ".join(filter(None, [plan.reason, *recovery.notes, held_message(retries, config.import_name)]))
            )
        requests = [(run, "sensor") for run in plan.runs] + [(run, "retry") for run in retries.runs]
        requests += [(run, "recovery") for run in recovery.runs]
        return [
            dg.RunRequest(
                run_key=run.run_key,
                asset_selection=selection,
                run_config={
                    "ops": {op_name: {"config": {"files": [str(folder / n) for n in run.files], "trigger": trigger}}}
                },
                tags={"import": config.asset_slug, "trigger": trigger},
            )
            for run, trigger in requests
        ]

    return _sensor
