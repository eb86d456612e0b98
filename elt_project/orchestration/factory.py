"""Turning one config snapshot into the code location's Dagster definitions.

Per import: a staging asset (group = pipeline slug) and, when it reads a monitored
folder, a file sensor; a remote import with ``scraper_config.schedule`` gets a
schedule. One ``freshness_sensor`` watches every import's freshness promise. Per group: a transform asset, an asset job
``<group>_job`` (any subset can run) and two utility assets. Plus the backup
asset, the ``config_problems`` asset, ``utility_jobs``, the config-SQL generator
job and ``config_change_sensor``. Every job, the implicit asset job behind the UI's
"Materialize" included, runs in one process: each step subprocess would otherwise
import (and rebuild) the definitions again.
"""

import logging

import dagster as dg

from elt_project.config.models import PipelineConfig, slugify
from elt_project.orchestration.assets import (
    build_staging_assets,
    build_transform_asset,
    staging_asset_name,
)
from elt_project.orchestration.config_generator import generate_pipeline_config_sql
from elt_project.orchestration.freshness import build_freshness_sensor
from elt_project.orchestration.reload import build_config_change_sensor
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.schedules import build_schedule
from elt_project.orchestration.sensors import build_file_sensor
from elt_project.orchestration.snapshot import ConfigSnapshot
from elt_project.orchestration.utility import (
    backup_database_objects,
    build_column_mappings_asset,
    build_config_problems_asset,
    build_setup_sql_asset,
    utility_jobs,
)
from elt_project.settings import Settings

log = logging.getLogger(__name__)


def group_job_name(group_slug: str) -> str:
    return f"{group_slug}_job"


def build_definitions(
    snapshot: ConfigSnapshot, settings: Settings, *, warehouse: WarehouseResource | None = None
) -> dg.Definitions:
    """All definitions for ``snapshot``; ``warehouse`` defaults to one built from the project settings."""
    problems = list(snapshot.problems)
    configs_ok = _without_name_clashes(snapshot.configs, problems)
    by_name = {c.import_name: c for c in configs_ok}
    edges: dict[str, set[str]] = {}
    assets: list = [backup_database_objects]
    jobs: list = [utility_jobs, generate_pipeline_config_sql]
    sensors: list = [
        build_config_change_sensor(snapshot.fingerprint, settings),
        build_freshness_sensor(configs_ok, settings),
    ]
    schedules: list = []

    groups: dict[str, list[PipelineConfig]] = {}
    for config in configs_ok:
        groups.setdefault(config.group_slug, []).append(config)
    for group_slug, configs in groups.items():
        pipeline_name = configs[0].pipeline_name
        assets.append(
            build_staging_assets(
                pipeline_name,
                configs,
                {c.import_name: snapshot.rules_for(c.staging_table) for c in configs},
                {c.import_name: _upstream(c, by_name, edges, problems) for c in configs},
            )
        )
        assets.append(build_transform_asset(pipeline_name, configs))
        assets.append(build_setup_sql_asset(pipeline_name, configs))
        assets.append(build_column_mappings_asset(pipeline_name, configs))
        job = dg.define_asset_job(
            group_job_name(group_slug),
            selection=dg.AssetSelection.groups(group_slug),
            description=f"Loads group '{pipeline_name}'; select any subset of its assets in the launchpad.",
            executor_def=dg.in_process_executor,
        )
        jobs.append(job)
        for config in configs:
            if config.reads_monitored_folder:
                sensors.append(build_file_sensor(config, job, settings, snapshot.rules_for(config.staging_table)))
            if (schedule := build_schedule(config, job, settings, problems)) is not None:
                schedules.append(schedule)

    assets.append(build_config_problems_asset(problems))
    for problem in problems[len(snapshot.problems) :]:
        log.warning("Config problem: %s", problem)
    return dg.Definitions(
        assets=assets,
        jobs=jobs,
        sensors=sensors,
        schedules=schedules,
        resources={"warehouse": warehouse or WarehouseResource()},
        # The default for jobs without their own executor, above all the implicit asset job
        # behind "Materialize" in the UI: a step subprocess would rebuild the definitions.
        executor=dg.in_process_executor,
        metadata={
            "config_rows_loaded": dg.MetadataValue.int(len(snapshot.configs)),
            "config_problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
            "config_fingerprint": snapshot.fingerprint,
        },
    )


def _problem(config: PipelineConfig, column: str, reason: str) -> str:
    return f"elt_pipeline_configs row id={config.id} ('{config.import_name}'): column {column} {reason}"


def _without_name_clashes(configs: list[PipelineConfig], problems: list[str]) -> list[PipelineConfig]:
    """Drop rows whose Dagster names would clash with an earlier row's (names are slugified)."""
    kept: list[PipelineConfig] = []
    import_slugs: dict[str, str] = {}
    group_slugs: dict[str, str] = {}
    for config in configs:
        other_import = import_slugs.get(config.asset_slug.lower())
        other_group = group_slugs.get(config.group_slug.lower())
        if other_import is not None:
            problems.append(
                _problem(
                    config,
                    "import_name",
                    f"gives the same Dagster name as import '{other_import}'; "
                    "rename one of them and reload definitions.",
                )
            )
            continue
        if (
            other_group is not None
            and other_group != config.pipeline_name
            and slugify(other_group) != config.group_slug
        ):
            problems.append(
                _problem(
                    config,
                    "pipeline_name",
                    f"'{config.pipeline_name}' clashes with pipeline '{other_group}' "
                    "once made a Dagster name; use the same spelling and reload definitions.",
                )
            )
            continue
        import_slugs[config.asset_slug.lower()] = config.import_name
        group_slugs.setdefault(config.group_slug.lower(), config.pipeline_name)
        kept.append(config)
    return kept


def _upstream(
    config: PipelineConfig,
    by_name: dict[str, PipelineConfig],
    edges: dict[str, set[str]],
    problems: list[str],
) -> list[dg.AssetKey]:
    """Staging assets this import depends on; unknown names and cycles are problems, not a crash."""
    keys = []
    for name in config.depends_on:
        other = by_name.get(name)
        if other is None or other.import_name == config.import_name:
            problems.append(
                _problem(
                    config,
                    "depends_on",
                    f"names '{name}', which is not another active import; "
                    "the dependency is ignored until the row is fixed.",
                )
            )
            continue
        if _reaches(edges, other.import_name, config.import_name):
            problems.append(
                _problem(
                    config,
                    "depends_on",
                    f"names '{name}', which already depends on this import; "
                    "the circular dependency is ignored until the row is fixed.",
                )
            )
            continue
        edges.setdefault(config.import_name, set()).add(other.import_name)
        keys.append(dg.AssetKey(staging_asset_name(other)))
    return keys


def _reaches(edges: dict[str, set[str]], start: str, target: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == target:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False
