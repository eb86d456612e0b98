"""Schedules of remote imports: a cron expression in ``scraper_config.schedule`` becomes a Dagster schedule.

A remote import (SFTP, web, browser) has no file to wait for, so it runs when
launched (Dagster UI, the Data Importer page, ``elt run``) or on its own schedule.
Each tick asks for the import's staging asset plus its group's transform, like a
file sensor does; ``scraper_config.schedule_timezone`` sets the zone (default UTC).
A malformed cron expression is a config problem shown in the UI, not a failed load.
"""

from __future__ import annotations

import dagster as dg

from elt_project.config.models import PipelineConfig
from elt_project.ingest.source_kinds import is_remote_source
from elt_project.orchestration.assets import staging_asset_name, staging_op_name, transform_asset_name
from elt_project.settings import Settings


def schedule_name(config: PipelineConfig) -> str:
    return f"{config.asset_slug}_schedule"


def cron_of(config: PipelineConfig) -> str | None:
    """The import's cron expression, or None when it runs only when launched."""
    if not is_remote_source(config.parser_function):
        return None
    value = (config.scraper_config or {}).get("schedule")
    return value.strip() if isinstance(value, str) and value.strip() else None


def build_schedule(
    config: PipelineConfig, job, settings: Settings, problems: list[str]
) -> dg.ScheduleDefinition | None:
    """The ``<import>_schedule``, or None (no schedule, or a bad one recorded in ``problems``)."""
    cron = cron_of(config)
    if cron is None:
        return None
    timezone = (config.scraper_config or {}).get("schedule_timezone") or "UTC"
    selection = [dg.AssetKey(staging_asset_name(config)), dg.AssetKey(transform_asset_name(config.pipeline_name))]
    run_config = {"ops": {staging_op_name(config.pipeline_name): {"config": {"trigger": "schedule"}}}}
    status = (
        dg.DefaultScheduleStatus.RUNNING if settings.sensors_running_by_default else (dg.DefaultScheduleStatus.STOPPED)
    )

    def _tick(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(
            asset_selection=selection,
            run_config=run_config,
            tags={"import": config.asset_slug, "trigger": "schedule"},
        )

    try:
        return dg.ScheduleDefinition(
            name=schedule_name(config),
            cron_schedule=cron,
            job=job,
            execution_fn=_tick,
            execution_timezone=timezone,
            default_status=status,
            description=f"Runs import '{config.import_name}' on '{cron}' ({timezone}).",
            tags={"import": config.asset_slug},
        )
    except (dg.DagsterInvalidDefinitionError, ValueError) as exc:
        problems.append(
            f"elt_pipeline_configs row id={config.id} ('{config.import_name}'): scraper_config schedule '{cron}' "
            f"(timezone {timezone}) is not a valid cron expression ({str(exc).splitlines()[0][:120]}); "
            'fix it, e.g. "0 6 * * *", and reload definitions.'
        )
        return None
