"""The ``generate_pipeline_config_sql`` job: a launchpad form that writes the INSERT for a new import.

The form mirrors ``elt_pipeline_configs``; the op turns it into one INSERT
statement (rendered by :mod:`elt_project.config.insert_sql`) shown as Markdown
metadata. Nothing is written to the warehouse: a person reviews and runs it.
"""

from enum import Enum

import dagster as dg
from pydantic import Field


class IngestionMethod(Enum):
    file_system = "file_system"
    sftp_download = "sftp_download"
    web_scraper = "web_scraper"
    selenium_scraper = "selenium_scraper"
    custom_parser = "custom_parser"
    configurable_parser = "configurable_parser"


class LoadMethod(Enum):
    replace = "replace"
    append = "append"


class SqlDialect(Enum):
    mssql = "mssql"
    postgresql = "postgresql"
    sqlite = "sqlite"


#: The parser function an ingestion method implies (custom_parser names its own).
PARSER_FOR_METHOD = {
    IngestionMethod.file_system: None,
    IngestionMethod.sftp_download: "generic_sftp_downloader",
    IngestionMethod.web_scraper: "generic_web_scraper",
    IngestionMethod.selenium_scraper: "generic_selenium_scraper",
    IngestionMethod.configurable_parser: "generic_configurable_parser",
}


class PipelineConfigForm(dg.Config):
    """One new row of elt_pipeline_configs, as a launchpad form."""

    pipeline_name: str = Field(description="Pipeline group; becomes the asset group in Dagster.")
    import_name: str = Field(description="Unique name of this import; names its assets and sensor.")
    ingestion_method: IngestionMethod = Field(
        default=IngestionMethod.file_system,
        description="Where the data comes from: a watched folder, SFTP, a web page, a browser script, "
        "an allow-listed custom parser or the configurable parser.",
    )
    file_type: str = Field(default="csv", description="Parser key: csv, psv, tsv, txt, excel, json, parquet.")
    file_pattern: str | None = Field(default=None, description="File name glob, e.g. Budget_*.csv.")
    monitored_directory: str | None = Field(
        default=None, description="Absolute folder the file sensor watches (file_system imports)."
    )
    connection_string: str | None = Field(default=None, description="Optional source connection string.")
    staging_table: str = Field(description="Staging table the raw rows are loaded into, e.g. stg_budget.")
    destination_table: str = Field(description="Final table the transform writes, e.g. budget.")
    parser_function: str | None = Field(
        default=None, description="Allow-listed custom parser name (custom_parser imports only)."
    )
    scraper_config: str | None = Field(
        default=None, description="JSON options: SFTP/web/browser settings or read_options."
    )
    transform_procedure: str | None = Field(
        default=None,
        description="Stored procedure (or SQLite script name) that moves staging to destination.",
    )
    load_method: LoadMethod = Field(
        default=LoadMethod.replace,
        description="replace: full refresh of the destination; append: incremental.",
    )
    deduplication_key: str | None = Field(
        default=None, description="Comma-separated key columns; append loads skip rows already present."
    )
    depends_on: str | None = Field(default=None, description="Comma-separated import names loaded first.")
    expected_schedule: str | None = Field(
        default=None,
        description="When a file is due, e.g. 'weekdays by 09:00 Europe/Berlin' or 'cron: 0 6 * * * grace 1h UTC'.",
    )
    expected_min_rows: int | None = Field(default=None, description="Fewest rows a file should bring (optional).")
    is_active: bool = Field(default=True, description="Load this import (1) or keep it dormant (0).")
    sql_dialect: SqlDialect = Field(
        default=SqlDialect.mssql, description="Dialect of the generated INSERT: mssql, postgresql or sqlite."
    )


def form_values(form: PipelineConfigForm) -> dict:
    """The column values of the new row; the ingestion method decides ``parser_function``."""
    parser = (
        form.parser_function
        if form.ingestion_method == IngestionMethod.custom_parser
        else PARSER_FOR_METHOD[form.ingestion_method]
    )
    values = {
        "pipeline_name": form.pipeline_name,
        "import_name": form.import_name,
        "file_pattern": form.file_pattern,
        "monitored_directory": form.monitored_directory,
        "connection_string": form.connection_string,
        "file_type": form.file_type,
        "staging_table": form.staging_table,
        "destination_table": form.destination_table,
        "parser_function": parser,
        "scraper_config": form.scraper_config,
        "transform_procedure": form.transform_procedure,
        "load_method": form.load_method.value,
        "deduplication_key": form.deduplication_key,
        "depends_on": form.depends_on,
        "expected_schedule": form.expected_schedule,
        "expected_min_rows": form.expected_min_rows,
        "is_active": 1 if form.is_active else 0,
    }
    return values


@dg.op(name="generate_config_sql_op", description="Renders the INSERT for the form's config row.")
def generate_config_sql_op(context: dg.OpExecutionContext, config: PipelineConfigForm) -> dg.Output[str]:
    from elt_project.config.insert_sql import render_config_insert

    sql = render_config_insert(form_values(config), config.sql_dialect.value)
    context.log.info(f"Generated the INSERT for import '{config.import_name}'.")
    return dg.Output(sql, metadata={"generated_sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")})


@dg.job(
    name="generate_pipeline_config_sql",
    description="Fill in the launchpad form to get the INSERT statement for a new elt_pipeline_configs row.",
    executor_def=dg.in_process_executor,
)
def generate_pipeline_config_sql() -> None:
    generate_config_sql_op()
