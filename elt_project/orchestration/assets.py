"""Asset factories: one extract-and-load asset per import, one transform asset per group.

The assets are thin: they turn Dagster's run context into arguments for the
engine (:mod:`elt_project.pipeline.api`) and the engine's results into Dagster
metadata and asset-check results. Nothing here knows how a file is parsed or
how a transform runs.
"""

import functools
from collections.abc import Iterator

import dagster as dg
from pydantic import Field

from elt_project.config.models import PipelineConfig, QualityRule, slugify
from elt_project.config.ordering import dependency_order
from elt_project.errors import ConfigurationError, TransientError
from elt_project.ingest.source_kinds import REMOTE_SOURCE_FUNCTIONS
from elt_project.orchestration.asset_metadata import staging_metadata
from elt_project.orchestration.resources import WarehouseResource

#: A step failing with TransientError is retried this many times, after 10 s, 20 s, 40 s.
TRANSIENT_RETRIES = 3
TRANSIENT_FIRST_WAIT_S = 10


def retry_transient(context: dg.AssetExecutionContext, exc: TransientError) -> dg.RetryRequested:
    """Dagster's step retry for a transient failure, with exponential back-off and a bound.

    Only :class:`TransientError` is retried, so a ``RetryRequested`` raised here rather
    than a blanket ``RetryPolicy`` on the asset: a missing table or a bad file fails at
    once instead of three more times. After the last attempt the step fails with ``exc``.
    """
    from elt_project.pipeline.failures import TRY_AGAIN

    wait = TRANSIENT_FIRST_WAIT_S * 2**context.retry_number
    if context.retry_number < TRANSIENT_RETRIES:  # the last attempt's failure keeps its advice to run again
        what = str(exc).removesuffix(TRY_AGAIN).removesuffix(".")
        context.log.warning(f"{what}; retrying in {wait} s (retry {context.retry_number + 1} of {TRANSIENT_RETRIES}).")
    return dg.RetryRequested(max_retries=TRANSIENT_RETRIES, seconds_to_wait=wait)


class StagingRunConfig(dg.Config):
    """Run config of an extract-and-load asset; sensors fill it, a manual run may leave it empty."""

    files: list[str] = Field(default=[], description="Paths of the files to load; empty loads every new matching file.")
    trigger: str = Field(default="manual", description="Who started the run: manual, sensor, retry or runner.")
    reload: bool = Field(
        default=False,
        description="Load 'files' again although already loaded (an append import first removes their rows).",
    )


@functools.cache
def staging_config_schema():
    """The staging config schema, built once: inferring it per asset is slow at 1,000 imports."""
    return StagingRunConfig.to_fields_dict()


def staging_asset_name(config: PipelineConfig) -> str:
    return f"{config.asset_slug}_extract_and_load_staging"


def transform_asset_name(pipeline_name: str) -> str:
    return f"{slugify(pipeline_name).lower()}_transform"


def check_name(rule: QualityRule) -> str:
    return slugify(rule.rule_name)


def transform_pool(configs: list[PipelineConfig]) -> str:
    """The concurrency pool of a group's transform: its destination table when it has one.

    A pool is one name per asset, so a group writing several tables is serialised
    under its own name instead.
    """
    destinations = sorted({c.destination_table.lower() for c in configs})
    if len(destinations) == 1:
        return f"table_{slugify(destinations[0])}"
    return f"group_{slugify(configs[0].pipeline_name).lower()}"


def staging_op_name(pipeline_name: str) -> str:
    """The op behind a group's staging assets; run config for sensor and runner runs is keyed by it."""
    return f"{slugify(pipeline_name).lower()}_stage_imports"


def _check_spec(key: dg.AssetKey, rule: QualityRule) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=check_name(rule),
        asset=key,
        blocking=rule.severity == "FAIL",
        description=rule.description or f"{rule.check_type} on {rule.target_column or rule.target_table}",
    )


def _staging_spec(config: PipelineConfig, upstream: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey(staging_asset_name(config)),
        group_name=config.group_slug,
        deps=upstream,
        kinds={"sql"},
        tags={"import": config.asset_slug},
        description=(
            f"Reads {config.file_type} files for import '{config.import_name}' and loads them into "
            f"{config.staging_table}; runs its data-quality rules."
            if config.parser_function not in REMOTE_SOURCE_FUNCTIONS
            else f"Fetches import '{config.import_name}' with {config.parser_function} and loads it into "
            f"{config.staging_table}; runs its data-quality rules."
        ),
        metadata={"staging_table": config.staging_table, "load_method": config.load_method},
    )


def build_staging_assets(
    pipeline_name: str,
    configs: list[PipelineConfig],
    rules: dict[str, list[QualityRule]],
    upstream: dict[str, list[dg.AssetKey]],
) -> dg.AssetsDefinition:
    """The group's ``<import>_extract_and_load_staging`` assets, one check per active rule on each table.

    One subsettable op per group carries all of the group's staging assets: a run
    stages only the selected ones, in ``depends_on`` order. Dagster's cost per op
    (definition, config schema, job snapshots) would otherwise make a location
    with 1,000 imports slow to load; the jobs run in one process, so nothing
    ran in parallel anyway.
    """
    by_key = {dg.AssetKey(staging_asset_name(c)): c for c in configs}
    specs = [_staging_spec(c, upstream.get(c.import_name, [])) for c in configs]
    check_specs = [_check_spec(key, rule) for key, c in by_key.items() for rule in rules.get(c.import_name, [])]
    order = dependency_order(configs)

    @dg.multi_asset(
        name=staging_op_name(pipeline_name),
        specs=specs,
        check_specs=check_specs,
        can_subset=True,
        config_schema=staging_config_schema(),
        description=f"Stages the selected imports of group '{pipeline_name}'.",
    )
    def _stage(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        given = context.op_execution_context.op_config or {}
        config = StagingRunConfig(**{k: v for k, v in given.items() if v is not None})
        selected = [c for c in order if dg.AssetKey(staging_asset_name(c)) in context.selected_asset_keys]
        if not selected:  # only checks were picked ("Execute" on a check): look at rows already staged
            for import_config in order:
                yield from _recheck_one(context, warehouse, import_config, rules.get(import_config.import_name, []))
            return
        if config.files and len(selected) > 1:
            raise ConfigurationError(
                "Run config 'files' names the files of one import, but several imports are selected; "
                "select one staging asset or leave 'files' empty."
            )
        direct = _load_directly(context, warehouse, selected, config)
        loaded = {stage.import_name: stage for stage in direct.stages} if direct else {}
        for import_config in selected:
            import_rules = rules.get(import_config.import_name, [])
            if import_config.import_name in loaded:
                yield from _report(context, import_config, import_rules, loaded[import_config.import_name])
            else:  # after a direct load only imports without new files are left: [] logs NO_NEW_FILES
                yield from _stage_one(context, warehouse, import_config, import_rules, config, nothing=bool(direct))

    return _stage


def _load_directly(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    selected: list[PipelineConfig],
    config: StagingRunConfig,
):
    """The selected imports loaded straight into their destinations in one transaction, or None (stage them).

    Only in a run that also materializes the group's transform (the sensor's, the
    page's, a group run): a run of the staging assets alone loads staging and no
    further. On this path the transform step finds nothing staged and says so.
    """
    from elt_project.pipeline.direct_load import load_new_files

    wanted = context.run.asset_selection  # None: the whole job
    if wanted is not None and dg.AssetKey(transform_asset_name(selected[0].pipeline_name)) not in wanted:
        return None
    summary = load_new_files(
        warehouse.engine(),
        warehouse.settings(),
        selected,
        list(config.files) or None,
        run_id=context.run.run_id,
        trigger=config.trigger,
        reload=config.reload,
    )
    if summary is not None:
        names = ", ".join(stage.import_name for stage in summary.stages)
        context.log.info(f"{names}: loaded straight into the destination in one transaction, without staging.")
    return summary


def _stage_one(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    import_config: PipelineConfig,
    rules: list[QualityRule],
    config: StagingRunConfig,
    *,
    nothing: bool = False,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Stage one import and report it; ``nothing``: stage no file (its group's others were loaded directly)."""
    from elt_project.pipeline.api import stage_import

    try:
        result = stage_import(
            warehouse.engine(),
            warehouse.settings(),
            import_config,
            [] if nothing else (list(config.files) or None),
            run_id=context.run.run_id,
            trigger=config.trigger,
            raise_on_quality_failure=False,
            reload=config.reload,
        )
    except TransientError as exc:
        raise retry_transient(context, exc) from exc
    yield from _report(context, import_config, rules, result)


def _report(
    context: dg.AssetExecutionContext, import_config: PipelineConfig, rules: list[QualityRule], result
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """One import's materialization and its checks' results, from its :class:`StageResult`."""
    key = dg.AssetKey(staging_asset_name(import_config))
    for note in result.notes:  # new columns left out (schema_policy ignore_new): a warning on every run
        context.log.warning(note)
    for outcome in result.quality:
        level = context.log.warning if not outcome.passed else context.log.info
        level(
            f"{import_config.import_name}: rule {outcome.rule_name}: {'passed' if outcome.passed else outcome.message}"
        )
    yield dg.MaterializeResult(asset_key=key, metadata=staging_metadata(result))
    severities = {check_name(rule): rule.severity for rule in rules}
    wanted = {name for name in severities if dg.AssetCheckKey(key, name) in context.selected_asset_check_keys}
    seen: set[str] = set()
    for outcome in result.quality:
        name = slugify(outcome.rule_name)
        if name not in wanted or name in seen:
            continue  # a rule added after the last reload: reported in the log and the table only
        seen.add(name)
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=name,
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if severities[name] == "FAIL" else dg.AssetCheckSeverity.WARN,
            metadata={
                "failing_rows": dg.MetadataValue.int(outcome.failing_rows),
                "samples": dg.MetadataValue.json(list(outcome.samples)[:10]),
                "message": outcome.message,
            },
        )
    for name in sorted(wanted - seen):
        # No rows reached the rule (no new files, or the rule was disabled since the reload).
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=name,
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"evaluated": False, "rows_staged": result.rows_staged},
            description="Not evaluated in this run: nothing was staged for this rule.",
        )


def _recheck_one(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    import_config: PipelineConfig,
    rules: list[QualityRule],
) -> Iterator[dg.AssetCheckResult]:
    """The selected checks of one import, evaluated on the rows its latest run left in staging.

    With no such rows the run fails with a sentence saying what to do: a green run
    that checked nothing would read as "the data is fine".
    """
    from elt_project.pipeline.recheck import recheck_latest_rows

    key = dg.AssetKey(staging_asset_name(import_config))
    wanted = [r for r in rules if dg.AssetCheckKey(key, check_name(r)) in context.selected_asset_check_keys]
    if not wanted:
        return
    found = recheck_latest_rows(warehouse.engine(), import_config, wanted)
    if found is None:
        raise ConfigurationError(
            f"No staged rows of import '{import_config.import_name}' are left to check (a run's rows leave "
            f"{import_config.staging_table} once loaded); materialize {key.to_user_string()}, which stages "
            "the next file and runs its checks."
        )
    context.log.info(f"Checking the {found.rows} row(s) run {found.run_id} left in {import_config.staging_table}.")
    severities = {check_name(rule): rule.severity for rule in wanted}
    for outcome in found.outcomes:
        name = slugify(outcome.rule_name)
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=name,
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if severities.get(name) == "FAIL" else dg.AssetCheckSeverity.WARN,
            metadata={
                "failing_rows": dg.MetadataValue.int(outcome.failing_rows),
                "samples": dg.MetadataValue.json(list(outcome.samples)[:10]),
                "message": outcome.message,
                "evaluated_run_id": found.run_id,
                "rows_checked": dg.MetadataValue.int(found.rows),
            },
            description=f"Evaluated on the rows staged by run {found.run_id}.",
        )


def build_transform_asset(pipeline_name: str, configs: list[PipelineConfig]) -> dg.AssetsDefinition:
    """The ``<group>_transform`` asset: runs the engine's transform for the imports staged in this run."""
    staging_keys = [dg.AssetKey(staging_asset_name(c)) for c in configs]
    destinations = sorted({c.destination_table for c in configs})

    @dg.asset(
        name=transform_asset_name(pipeline_name),
        group_name=slugify(pipeline_name),
        deps=staging_keys,
        pool=transform_pool(configs),
        kinds={"sql"},
        description=(f"Moves this run's staged rows of group '{pipeline_name}' into {', '.join(destinations)}."),
        metadata={"destination_tables": ", ".join(destinations)},
    )
    def _transform(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from elt_project.pipeline.api import transform_group

        trigger = context.run.tags.get("trigger", "manual")
        try:
            result = transform_group(
                warehouse.engine(),
                warehouse.settings(),
                configs,
                run_id=context.run.run_id,
                trigger=trigger,
                will_retry=context.retry_number < TRANSIENT_RETRIES,
            )
        except TransientError as exc:
            raise retry_transient(context, exc) from exc
        if result.imports or result.loaded_directly:
            from elt_project.analytics.search.freshness import refresh_when_landed

            refresh_when_landed(warehouse.engine(), warehouse.settings(), destinations)
            _warm_ask(context, warehouse, destinations)
        loaded, direct = sum(result.rows_loaded.values()), sum(result.loaded_directly.values())
        if result.loaded_directly:
            context.log.info(f"Nothing left to transform: the staging step loaded {direct} row(s) directly.")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(loaded + direct),
                "imports": ", ".join(result.imports)
                or (f"loaded directly by the staging step: {direct} rows" if result.loaded_directly else "")
                or "(nothing staged in this run)",
                "rows_loaded": dg.MetadataValue.json(result.rows_loaded),
                "rows_loaded_directly": dg.MetadataValue.json(result.loaded_directly),
                "rows_deduplicated": dg.MetadataValue.json(result.rows_deduplicated),
                "rows_replaced_by_reload": dg.MetadataValue.json(result.rows_replaced),
                "truncated_tables": ", ".join(result.truncated_tables) or "(none)",
                "activated_imports": ", ".join(result.activated_imports) or "(none)",
                "duration_s": dg.MetadataValue.float(round(result.duration_s, 3)),
            }
        )

    return _transform


def _warm_ask(context: dg.AssetExecutionContext, warehouse: WarehouseResource, tables: list[str]) -> None:
    """Ask's profiles and value lists of the changed tables, re-read now so the next first question is quick."""
    import sqlite3

    import sqlalchemy as sa

    from elt_project.analytics.nl2sql import warm_up
    from elt_project.errors import EltError

    try:
        warm_up(warehouse.engine(), warehouse.settings(), tables)
    except (EltError, sa.exc.SQLAlchemyError, OSError, sqlite3.Error) as exc:  # a cache: the load succeeded anyway
        context.log.warning(f"Ask's cache was not refreshed ({exc}); the next question reads the tables itself.")
