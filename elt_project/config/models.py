"""Pydantic models of the rows that drive the product.

A row read from the warehouse is validated here once; everything downstream
works with these typed objects. Validation errors name the row and the column so
that a person can fix the row with a SQL client.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from elt_project.ingest.source_kinds import REMOTE_SOURCE_FUNCTIONS

#: A table name as configs may give it: ``table`` or ``schema.table``.
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$#@]*(\.[A-Za-z_][A-Za-z0-9_$#@]*)?$")
#: A column or procedure name; spaces allowed because source headers have them.
_COLUMN_NAME = re.compile(r"^[^\x00-\x1f\[\]\"`;]{1,128}$")


def slugify(name: str) -> str:
    """Reduce a name to ``[A-Za-z0-9_]`` as Dagster requires for asset, job and sensor names."""
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", name.strip()).strip("_")
    return slug or "unnamed"


def split_list(value: str | None) -> list[str]:
    """Split a comma-separated column value (``'ID,Date'``) into trimmed, non-empty parts."""
    if not value:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def check_table_name(value: str) -> str:
    """``value`` when it is a (schema-qualified) table name; the caller's message names the column."""
    if not _TABLE_NAME.match(value):
        raise ValueError(f"'{value}' is not a valid table name (letters, digits, _, optional schema.)")
    return value


class PipelineConfig(BaseModel):
    """One row of ``elt_pipeline_configs``: one import of one pipeline group."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None
    # The descriptions are the columns' documentation: the launchpad form (orchestration/config_generator.py)
    # shows them too.
    pipeline_name: str = Field(description="Pipeline group; becomes the asset group in Dagster.")
    import_name: str = Field(description="Unique name of this import; names its assets and sensor.")
    file_pattern: str | None = Field(default=None, description="File name glob, e.g. Budget_*.csv.")
    monitored_directory: str | None = Field(
        default=None, description="Absolute folder the file sensor watches (file_system imports)."
    )
    connection_string: str | None = Field(default=None, description="Optional source connection string.")
    file_type: str = Field(description="Parser key: one of the registered file types (docs/pipelines.md).")
    staging_table: str = Field(description="Staging table the raw rows are loaded into, e.g. stg_budget.")
    destination_table: str = Field(description="Final table the transform writes, e.g. budget.")
    parser_function: str | None = Field(
        default=None, description="Allow-listed custom parser or remote source name (empty for plain files)."
    )
    scraper_config: dict[str, Any] | None = Field(
        default=None, description="JSON options: SFTP/web/browser settings or read_options."
    )
    column_mapping: str | None = None
    transform_procedure: str | None = Field(
        default=None, description="Stored procedure (or SQLite script name) that moves staging to destination."
    )
    load_method: Literal["replace", "append"] = Field(
        default="replace", description="replace: full refresh of the destination; append: incremental."
    )
    deduplication_key: tuple[str, ...] = Field(
        default=(), description="Comma-separated key columns; append loads skip rows already present."
    )
    depends_on: tuple[str, ...] = Field(default=(), description="Comma-separated import names loaded first.")
    on_success_deactivate_self_and_activate_import: str | None = None
    is_active: bool = Field(default=True, description="Load this import (1) or keep it dormant (0).")
    last_import_date: datetime | None = None
    staging_retention_days: int | None = None
    archive_processed_files: bool = False
    expected_schedule: str | None = Field(
        default=None,
        description="When a file is due, e.g. 'weekdays by 09:00 Europe/Berlin' or 'cron: 0 6 * * * grace 1h UTC'.",
    )
    expected_min_rows: int | None = Field(default=None, description="Fewest rows a file should bring (optional).")
    #: What a run does with a column the tables do not have (see elt_project/pipeline/schema_drift.py):
    #: ``freeze`` stops the run, ``evolve`` adds it, ``ignore_new`` leaves it out and says so.
    schema_policy: Literal["freeze", "evolve", "ignore_new"] = "freeze"
    #: A column the file lacks may load as NULL when its destination column is nullable.
    schema_allow_missing: bool = False

    @field_validator(
        "file_pattern",
        "monitored_directory",
        "connection_string",
        "parser_function",
        "column_mapping",
        "transform_procedure",
        "on_success_deactivate_self_and_activate_import",
        "expected_schedule",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("pipeline_name", "import_name", "file_type", mode="before")
    @classmethod
    def _required_text(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("is required")
        return value.strip() if isinstance(value, str) else value

    @field_validator("file_type")
    @classmethod
    def _lower_file_type(cls, value: str) -> str:
        return value.lower()

    @field_validator("staging_table", "destination_table", mode="before")
    @classmethod
    def _table(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("is required")
        return check_table_name(value.strip())

    @field_validator("transform_procedure")
    @classmethod
    def _procedure(cls, value: str | None) -> str | None:
        if value is not None:
            check_table_name(value)
        return value

    @field_validator("load_method", mode="before")
    @classmethod
    def _load_method(cls, value: Any) -> Any:
        if value is None:
            return "replace"
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in ("replace", "append"):
                raise ValueError(f"'{value}' is not a load method; use 'replace' or 'append'")
            return lowered
        return value

    @field_validator("scraper_config", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        if value is None or isinstance(value, dict):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
            if not isinstance(parsed, dict):
                raise ValueError("must be a JSON object ({...})")
            return parsed
        raise ValueError("must be a JSON object")

    @field_validator("scraper_config")
    @classmethod
    def _remote_source_config(cls, value: dict[str, Any] | None, info) -> dict[str, Any] | None:
        """A remote source's config is checked when the row is read, so a bad one is a config problem."""
        from elt_project.ingest.sources.catalog import check_source_config  # ingest owns the sources

        problem = check_source_config(info.data.get("parser_function"), value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("deduplication_key", "depends_on", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(split_list(value))
        return tuple(value)

    @field_validator("deduplication_key")
    @classmethod
    def _key_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for column in value:
            if not _COLUMN_NAME.match(column):
                raise ValueError(f"'{column}' is not a valid column name")
        return value

    @field_validator("monitored_directory")
    @classmethod
    def _within_roots(cls, value: str | None, info: ValidationInfo) -> str | None:
        """With ``monitored_roots`` in the validation context, the folder must lie in one of them."""
        roots = (info.context or {}).get("monitored_roots")
        if value and roots is not None:
            from elt_project.errors import ConfigurationError
            from elt_project.ingest.paths import check_monitored_root

            try:
                check_monitored_root(value, roots)
            except ConfigurationError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("expected_schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        """Checked when the row is saved or read, so a typo is a config problem, not a silent no-alert."""
        if value is not None:
            from elt_project.config.schedule import ScheduleError, parse_schedule

            try:
                parse_schedule(value)
            except ScheduleError as exc:
                raise ValueError(str(exc).removeprefix("expected_schedule ")) from None
        return value

    @field_validator("expected_min_rows")
    @classmethod
    def _min_rows(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError("must be 0 or more (or empty for no minimum)")
        return value

    @field_validator("schema_policy", mode="before")
    @classmethod
    def _schema_policy(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return "freeze"
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in ("freeze", "evolve", "ignore_new"):
                raise ValueError(f"'{value}' is not a schema policy; use 'freeze', 'evolve' or 'ignore_new'")
            return lowered
        return value

    @field_validator("is_active", "archive_processed_files", "schema_allow_missing", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return bool(value) if value is not None else False

    @model_validator(mode="after")
    def _source_is_known(self) -> PipelineConfig:
        from elt_project.ingest.registry import is_known_source  # ingest owns the list of parsers

        if not is_known_source(self.file_type, self.parser_function):
            if self.parser_function:
                raise ValueError(f"parser_function '{self.parser_function}' is not an allowed custom parser")
            raise ValueError(f"file_type '{self.file_type}' has no parser")
        return self

    # ---- derived names -------------------------------------------------------------

    @property
    def asset_slug(self) -> str:
        return slugify(self.import_name)

    @property
    def group_slug(self) -> str:
        return slugify(self.pipeline_name)

    @property
    def reads_monitored_folder(self) -> bool:
        """True when files come from ``monitored_directory`` (not SFTP or a web scraper)."""
        return bool(self.monitored_directory) and self.parser_function not in REMOTE_SOURCE_FUNCTIONS


class QualityRule(BaseModel):
    """One row of ``data_quality_rules``."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None
    rule_name: str
    description: str | None = None
    target_table: str
    target_column: str | None = None
    check_type: str
    check_expression: str | None = None
    severity: Literal["FAIL", "WARN"] = "FAIL"
    is_active: bool = True

    @field_validator("check_type", mode="before")
    @classmethod
    def _upper_check(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("severity", mode="before")
    @classmethod
    def _upper_severity(cls, value: Any) -> Any:
        if value is None:
            return "FAIL"
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("is_active", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return bool(value) if value is not None else True


class EnrichmentRule(BaseModel):
    """One row of ``data_enrichment_rules``: fill a NULL staging column from a lookup table."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None
    rule_name: str
    description: str | None = None
    target_staging_table: str
    target_column_to_enrich: str
    lookup_table: str
    lookup_key_column_staging: str
    lookup_key_column_lookup: str
    lookup_value_column: str
    is_active: bool = True

    @field_validator("lookup_table", "target_staging_table")
    @classmethod
    def _table(cls, value: str) -> str:
        return check_table_name(value)

    @field_validator("is_active", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        return bool(value) if value is not None else True
