"""The Configuration Manager's logic: ``analytics_config`` rows, and plain-word checks of the other configs.

``analytics_config`` rows drive the batch models; each names a table, a date
column and a value column that must exist with the right kinds, and a model type
from the model registry. The other config tables are shown read-only with the
problems the code location itself would report (the same validators: pydantic
models of :mod:`elt_project.config.models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from elt_project.analytics import hub_config
from elt_project.analytics.models import model_names
from elt_project.config.models import EnrichmentRule, QualityRule
from elt_project.config.repository import ConfigProblem, describe_validation_error, validate_config_rows
from elt_project.db import schema
from elt_project.errors import ConfigurationError

_DATE_TYPES = (sa.Date, sa.DateTime)


def model_types() -> list[str]:
    """The model types of the registry (:mod:`elt_project.analytics.models`), for the dropdown."""
    return list(model_names())


@dataclass(frozen=True)
class TableColumns:
    """The columns of a table that can serve as dates and as values."""

    dates: list[str]
    values: list[str]


def columns_for(engine: Engine, table_name: str) -> TableColumns:
    """Date-like and numeric columns of ``table_name``, read from the real schema."""
    columns = sa.inspect(engine).get_columns(table_name)
    dates = [c["name"] for c in columns if isinstance(c["type"], _DATE_TYPES) or _looks_like_date(c["name"])]
    values = [c["name"] for c in columns if _is_number(c["type"])]
    return TableColumns(dates=dates, values=values)


def _looks_like_date(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(("_date", "_at", "_time")) or lowered in ("date", "day", "timestamp")


def _is_number(type_: sa.types.TypeEngine) -> bool:
    try:
        return type_.python_type in (int, float) or type_.python_type.__name__ == "Decimal"
    except NotImplementedError:
        return False


def list_configs(engine: Engine) -> list[dict[str, Any]]:
    table = schema.analytics_config
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]


def validate_config(engine: Engine, values: dict[str, Any]) -> dict[str, Any]:
    """The row to store, or one clear sentence saying what to fix."""
    table_name = (values.get("target_table") or "").strip()
    if table_name not in hub_config.allowed_tables(engine):
        raise ConfigurationError(f"Choose a target table the hub may read; '{table_name}' is not one.")
    columns = columns_for(engine, table_name)
    if values.get("date_column") not in columns.dates:
        raise ConfigurationError(f"Choose a date column of {table_name}: one of {', '.join(columns.dates) or 'none'}.")
    if values.get("value_column") not in columns.values:
        raise ConfigurationError(
            f"Choose a numeric value column of {table_name}: one of {', '.join(columns.values) or 'none'}."
        )
    if values.get("model_type") not in model_types():
        raise ConfigurationError(f"Choose a model type: one of {', '.join(model_types())}.")
    webhook = (values.get("alert_webhook_url") or "").strip() or None
    if webhook is not None and not webhook.lower().startswith(("http://", "https://")):
        raise ConfigurationError("The webhook URL must start with http:// or https://, or be left empty.")
    return {
        "target_table": table_name,
        "date_column": values["date_column"],
        "value_column": values["value_column"],
        "model_type": values["model_type"],
        "alert_webhook_url": webhook,
        "is_active": 1 if values.get("is_active", True) else 0,
    }


def save_config(engine: Engine, values: dict[str, Any], *, config_id: int | None = None) -> int:
    """Insert (no id) or update one ``analytics_config`` row after :func:`validate_config`; returns its id."""
    row = validate_config(engine, values)
    table = schema.analytics_config
    with engine.begin() as conn:
        if config_id is None:
            return int(conn.execute(table.insert().values(**row)).inserted_primary_key[0])
        if not conn.execute(table.update().where(table.c.id == config_id).values(**row)).rowcount:
            raise ConfigurationError(f"There is no analytics config with id {config_id}; reload the page.")
    return config_id


def delete_config(engine: Engine, config_id: int) -> bool:
    table = schema.analytics_config
    with engine.begin() as conn:
        return bool(conn.execute(table.delete().where(table.c.id == config_id)).rowcount)


def _rows(engine: Engine, table: sa.Table) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]


def config_tables(engine: Engine) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    """Each config table's rows and its problems in plain words, as the code location would report them."""
    pipelines = _rows(engine, schema.elt_pipeline_configs)
    _, problems = validate_config_rows(pipelines)
    result = {"elt_pipeline_configs": (pipelines, [str(p) for p in problems])}
    for table, model in ((schema.data_quality_rules, QualityRule), (schema.data_enrichment_rules, EnrichmentRule)):
        rows = _rows(engine, table)
        found = []
        for row in rows:
            try:
                model.model_validate(row)
            except ValidationError as exc:
                column, reason = describe_validation_error(exc)
                found.append(str(ConfigProblem(table.name, row.get("id"), str(row.get("rule_name")), column, reason)))
        result[table.name] = (rows, found)
    return result
