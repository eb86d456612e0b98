"""Looking up the warehouse tables that configs and rules name, once per run.

Config rows name tables and columns as people type them (``stg_Sales``,
``Position``); the warehouse knows them as created (PostgreSQL folds unquoted names
to lower case). Every name is resolved here against the reflected table, so the SQL
the engine builds only ever uses real, dialect-quoted identifiers.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db.schema import RUN_ID_COLUMN, SOURCE_HASH_COLUMN, SOURCE_ROW_COLUMN
from elt_project.errors import ConfigurationError

#: Columns the engine fills itself; never matched to source columns.
LINEAGE_COLUMNS = (RUN_ID_COLUMN, SOURCE_HASH_COLUMN, SOURCE_ROW_COLUMN)


def split_table_name(name: str) -> tuple[str | None, str]:
    """``schema.table`` → (schema, table); ``table`` → (None, table)."""
    if "." in name:
        schema, table = name.split(".", 1)
        return schema, table
    return None, name


def reflect_table(bind: Engine | Connection, name: str, *, what: str) -> sa.Table:
    """The reflected table ``name`` (exact, then case-insensitive); ``what`` names it in errors."""
    schema, table = split_table_name(name)
    inspector = sa.inspect(bind)
    try:
        existing = inspector.get_table_names(schema=schema)
    except Exception as exc:
        raise ConfigurationError(
            f"The {what} '{name}' cannot be looked up (schema '{schema}' unknown?); fix the name and run again."
        ) from exc
    actual = table if table in existing else next((t for t in existing if t.lower() == table.lower()), None)
    if actual is None:
        raise ConfigurationError(
            f"The {what} '{name}' does not exist in the warehouse; create it "
            "(`python3 launch.py elt setup-sql PIPELINE` writes the DDL) or fix the name in the configuration."
        )
    return sa.Table(actual, sa.MetaData(), schema=schema, autoload_with=bind)


def find_column(table: sa.Table, name: str) -> sa.Column | None:
    """The column called ``name`` (exact, then case-insensitive), or None."""
    if name in table.c:
        return table.c[name]
    lowered = name.lower()
    for column in table.columns:
        if column.name.lower() == lowered:
            return column
    return None


def require_column(table: sa.Table, name: str, *, context: str) -> sa.Column:
    """Like :func:`find_column` but a missing column is a :class:`ConfigurationError`."""
    column = find_column(table, name)
    if column is None:
        raise ConfigurationError(
            f"{context} names column '{name}', which table {display_name(table)} does not have; "
            "fix the name or add the column."
        )
    return column


def display_name(table: sa.Table) -> str:
    return f"{table.schema}.{table.name}" if table.schema else table.name


def data_columns(table: sa.Table) -> list[sa.Column]:
    """The staging table's columns that hold source data (lineage columns excluded)."""
    return [c for c in table.columns if c.name.lower() not in LINEAGE_COLUMNS]


def equals(left: sa.ColumnElement, left_type, right: sa.ColumnElement, right_type):
    """``left = right``, casting ``right`` to ``left``'s type when the types differ.

    Staging columns are often text while destination keys are typed; PostgreSQL
    refuses ``text = integer``, so the typed side is cast to the staging side's type.
    """
    if _family(left_type) == _family(right_type):
        return left == right
    return left == sa.cast(right, left_type)


def _family(type_) -> str:
    try:
        return type_.python_type.__name__
    except NotImplementedError:
        return type(type_).__name__
