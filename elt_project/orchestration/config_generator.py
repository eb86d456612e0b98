"""The ``generate_pipeline_config_sql`` job: a launchpad form that writes the INSERT for a new import.

The form mirrors ``elt_pipeline_configs``; the op turns it into one INSERT
statement (rendered by :mod:`elt_project.config.insert_sql`) shown as Markdown
metadata. Nothing is written to the warehouse: a person reviews and runs it.
"""

from enum import Enum
from typing import Any

import dagster as dg
from pydantic import Field, create_model

from elt_project.config.models import PipelineConfig
from elt_project.ingest import source_kinds as kinds
from elt_project.ingest.registry import registered_file_types


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
    IngestionMethod.sftp_download: kinds.SFTP,
    IngestionMethod.web_scraper: kinds.WEB,
    IngestionMethod.selenium_scraper: kinds.SELENIUM,
    IngestionMethod.configurable_parser: "generic_configurable_parser",
}


#: The columns the form asks for, in its order. Their descriptions and defaults are the
#: model's (:class:`PipelineConfig`), so the form cannot drift from the columns it fills.
FORM_COLUMNS = (
    "pipeline_name",
    "import_name",
    "file_type",
    "file_pattern",
    "monitored_directory",
    "connection_string",
    "staging_table",
    "destination_table",
    "parser_function",
    "scraper_config",
    "transform_procedure",
    "load_method",
    "deduplication_key",
    "depends_on",
    "expected_schedule",
    "expected_min_rows",
    "is_active",
)
#: Where a person types a column differently from how the model holds it: lists and JSON as text,
#: choices as a drop-down.
_FORM_TYPES: dict[str, Any] = {
    "scraper_config": str | None,
    "deduplication_key": str | None,
    "depends_on": str | None,
    "load_method": LoadMethod,
}
_FORM_DEFAULTS: dict[str, Any] = {
    "file_type": "csv",
    "load_method": LoadMethod.replace,
    "deduplication_key": None,
    "depends_on": None,
}


def _form_field(name: str) -> tuple[Any, Any]:
    column = PipelineConfig.model_fields[name]
    default = _FORM_DEFAULTS.get(name, ... if column.is_required() else column.default)
    description = column.description
    if name == "file_type":  # the parser registry's own list, so a new parser shows up here by itself
        description = f"Parser key: one of {', '.join(sorted(registered_file_types()))}."
    return _FORM_TYPES.get(name, column.annotation), Field(default=default, description=description)


_FORM_FIELDS: dict[str, Any] = {
    "ingestion_method": (
        IngestionMethod,
        Field(
            default=IngestionMethod.file_system,
            description="Where the data comes from: a watched folder, SFTP, a web page, a browser script, "
            "an allow-listed custom parser or the configurable parser.",
        ),
    ),
    **{name: _form_field(name) for name in FORM_COLUMNS},
    "sql_dialect": (
        SqlDialect,
        Field(default=SqlDialect.mssql, description="Dialect of the generated INSERT: mssql, postgresql or sqlite."),
    ),
}
PipelineConfigForm = create_model(
    "PipelineConfigForm",
    __base__=dg.Config,
    __doc__="One new row of elt_pipeline_configs, as a launchpad form.",
    **_FORM_FIELDS,
)


def form_values(form: Any) -> dict[str, Any]:
    """The column values of the new row; the ingestion method decides ``parser_function``."""
    values = {name: getattr(form, name) for name in FORM_COLUMNS}
    if form.ingestion_method != IngestionMethod.custom_parser:
        values["parser_function"] = PARSER_FOR_METHOD[form.ingestion_method]
    values["load_method"] = form.load_method.value
    values["is_active"] = 1 if form.is_active else 0
    return values


@dg.op(name="generate_config_sql_op", description="Renders the INSERT for the form's config row.")
def generate_config_sql_op(
    context: dg.OpExecutionContext,
    config: PipelineConfigForm,  # type: ignore[valid-type]  # a model built from PipelineConfig's fields
) -> dg.Output[str]:
    from elt_project.config.insert_sql import render_config_insert

    form: Any = config  # its fields are PipelineConfig's, which a type checker cannot see
    sql = render_config_insert(form_values(form), form.sql_dialect.value)
    context.log.info(f"Generated the INSERT for import '{form.import_name}'.")
    return dg.Output(sql, metadata={"generated_sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")})


@dg.job(
    name="generate_pipeline_config_sql",
    description="Fill in the launchpad form to get the INSERT statement for a new elt_pipeline_configs row.",
    executor_def=dg.in_process_executor,
)
def generate_pipeline_config_sql() -> None:
    generate_config_sql_op()
