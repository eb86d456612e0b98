"""The INSERT statement that adds one pipeline config, for people who add feeds with a SQL client.

The Dagster job ``generate_pipeline_config_sql`` collects the fields in a form and
shows this statement to copy into SSMS or psql. The row is validated with the same
model the orchestrator uses, so a statement that renders also loads; every value is
rendered as a literal by SQLAlchemy for the target dialect, never pasted by hand.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from elt_project.config.models import PipelineConfig
from elt_project.config.repository import describe_validation_error
from elt_project.db import schema
from elt_project.db.backup import render_literal
from elt_project.db.tsql_scripts import dialect_for
from elt_project.errors import ConfigurationError

#: Columns the database fills by itself; a config INSERT never names them.
_GENERATED = frozenset({"id", "created_at"})


def insertable_columns() -> list[str]:
    """The columns of ``elt_pipeline_configs`` an INSERT may set, in table order."""
    return [c.name for c in schema.elt_pipeline_configs.columns if c.name not in _GENERATED]


def render_config_insert(values: Mapping[str, Any], dialect: str) -> str:
    """A formatted ``INSERT INTO elt_pipeline_configs`` of ``values`` for mssql, postgresql or sqlite.

    ``None`` values are left out so the table's defaults apply. Lists (dedup key,
    depends_on) become comma lists and a dict ``scraper_config`` becomes JSON, as
    the table stores them. Unknown columns or an invalid row raise
    :class:`ConfigurationError` naming the column.
    """
    known = set(insertable_columns())
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigurationError(
            f"elt_pipeline_configs has no column {', '.join(unknown)}; use only: {', '.join(insertable_columns())}."
        )
    row = {name: _stored_form(value) for name, value in values.items() if value is not None}
    try:
        PipelineConfig.model_validate(row)
    except ValidationError as exc:
        column, reason = describe_validation_error(exc)
        raise ConfigurationError(
            f"The new config for '{row.get('import_name', '?')}' is invalid: column {column} {reason}; "
            "correct the field and generate again."
        ) from None

    sql_dialect = dialect_for(dialect)
    quote = sql_dialect.identifier_preparer.quote
    table = schema.elt_pipeline_configs
    names = [name for name in insertable_columns() if name in row]
    rendered = [render_literal(table.c[name], row[name], sql_dialect) for name in names]
    lines = [f"INSERT INTO {sql_dialect.identifier_preparer.format_table(table)} ("]
    lines += [f"    {quote(name)}{',' if i < len(names) - 1 else ''}" for i, name in enumerate(names)]
    lines.append(") VALUES (")
    lines += [
        f"    {literal}{',' if i < len(names) - 1 else ''}  -- {name}"
        for i, (name, literal) in enumerate(zip(names, rendered))
    ]
    lines.append(");")
    return "\n".join(lines)


def _stored_form(value: Any) -> Any:
    if isinstance(value, enum.Enum):  # a choice from the Dagster form
        return value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return ",".join(str(part).strip() for part in value)
    return value
