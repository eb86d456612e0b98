"""The ``_utility`` group: set-up helpers for new feeds, backups, and the config problems list.

None of these assets change data in the warehouse except the column-mapping one,
which writes ``column_mapping`` into the config table as documented. The SQL
generators only write files and show the SQL as metadata; a person runs it.
"""

import dagster as dg

from elt_project.config.models import PipelineConfig, slugify
from elt_project.orchestration.resources import WarehouseResource

UTILITY_GROUP = "_utility"


def _sql_markdown(sql: str) -> dg.MetadataValue:
    return dg.MetadataValue.md(f"```sql\n{sql}\n```")


def build_setup_sql_asset(pipeline_name: str, configs: list[PipelineConfig]) -> dg.AssetsDefinition:
    """``<pipeline>_generate_setup_sql``: staging/destination DDL and transform for one group."""

    @dg.asset(
        name=f"{slugify(pipeline_name).lower()}_generate_setup_sql",
        group_name=UTILITY_GROUP,
        kinds={"sql"},
        description=(
            f"Writes the CREATE TABLE / procedure script for group '{pipeline_name}' to generated_sql/ "
            "and shows it as metadata; it is not executed."
        ),
    )
    def _setup_sql(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from elt_project.pipeline.setup_sql import generate_setup_sql, write_setup_sql

        engine = warehouse.engine()
        result = generate_setup_sql(configs, engine.dialect.name, warehouse.settings())
        written = write_setup_sql(result, warehouse.output_root() / "generated_sql")
        for problem in result.problems:
            context.log.warning(problem)
        return dg.MaterializeResult(
            metadata={
                "generated_sql_setup": _sql_markdown(result.sql),
                "dialect": engine.dialect.name,
                "files": dg.MetadataValue.json([str(p) for p in written]),
                "problems": dg.MetadataValue.json(list(result.problems)),
            }
        )

    return _setup_sql


def build_column_mappings_asset(pipeline_name: str, configs: list[PipelineConfig]) -> dg.AssetsDefinition:
    """``<pipeline>_generate_column_mappings``: fills ``column_mapping`` once the staging tables exist."""

    @dg.asset(
        name=f"{slugify(pipeline_name).lower()}_generate_column_mappings",
        group_name=UTILITY_GROUP,
        kinds={"sql"},
        description=(
            f"Matches sample files of group '{pipeline_name}' to their staging tables and saves "
            "column_mapping in elt_pipeline_configs."
        ),
    )
    def _mappings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from elt_project.pipeline.column_mappings import generate_column_mappings

        mappings = generate_column_mappings(warehouse.engine(), configs)
        problems = list(getattr(mappings, "problems", []))
        for problem in problems:
            context.log.warning(problem)
        return dg.MaterializeResult(
            metadata={
                "column_mappings": dg.MetadataValue.json(dict(mappings)),
                "imports_mapped": dg.MetadataValue.int(len(mappings)),
                "problems": dg.MetadataValue.json(problems),
            }
        )

    return _mappings


@dg.asset(
    name="utility_backup_database_objects",
    group_name=UTILITY_GROUP,
    kinds={"sql"},
    description=(
        "Scripts the metadata tables (configs, rules, run logs) as INSERT statements and the transforms' "
        "stored procedures into backups/: the same backup as `python3 launch.py elt backup`."
    ),
)
def backup_database_objects(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from elt_project.db.backup import backup_database

    settings = warehouse.settings()
    written = backup_database(warehouse.engine(), warehouse.output_root() / "backups", settings.transforms_dir)
    return dg.MaterializeResult(
        metadata={
            "files": dg.MetadataValue.json([str(p) for p in written]),
            "file_count": dg.MetadataValue.int(len(written)),
        }
    )


def build_config_problems_asset(problems: list[str]) -> dg.AssetsDefinition:
    """``config_problems``: the rows skipped at the last load, listed in its description.

    Materializing it re-reads the tables and records what is wrong now, so a fix can
    be checked before reloading.
    """
    listing = "\n".join(f"- {p}" for p in problems) if problems else "No problems: every active row loaded."

    @dg.asset(
        name="config_problems",
        group_name=UTILITY_GROUP,
        description=f"Config rows skipped at the last load ({len(problems)}):\n\n{listing}",
        metadata={"problems_at_load": dg.MetadataValue.int(len(problems))},
    )
    def _problems(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from elt_project.orchestration.snapshot import read_snapshot

        now = read_snapshot(warehouse.engine(), warehouse.settings().monitored_root_folders()).problems
        for problem in now:
            context.log.warning(problem)
        return dg.MaterializeResult(
            metadata={
                "problem_count": dg.MetadataValue.int(len(now)),
                "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in now) or "_none_"),
            }
        )

    return _problems


utility_jobs = dg.define_asset_job(
    "utility_jobs",
    selection=dg.AssetSelection.groups(UTILITY_GROUP),
    description="Materializes every asset of the _utility group.",
    executor_def=dg.in_process_executor,
)
