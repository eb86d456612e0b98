"""Profiling a table's columns in one aggregate query: type, cardinality, nulls, range, spread.

The profile is what the auto-dashboard chooses charts from. Every figure is an
aggregate computed by the database; no row is read into Python.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.tables import (
    is_date_type,
    is_numeric_type,
    is_text_type,
    reflect_table,
    to_date,
)

#: A text column with at most this many values is a dimension worth a bar chart.
DIMENSION_MAX_VALUES = 30
#: Names of bookkeeping columns the pipeline adds; never worth a chart.
_BOOKKEEPING = {"dagster_run_id", "source_file_hash", "source_row_number", "load_timestamp"}


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    sql_type: str
    role: str  # "date" | "measure" | "dimension" | "identifier" | "text" | "bookkeeping"
    rows: int
    distinct: int
    nulls: int
    minimum: object = None
    maximum: object = None
    mean: float | None = None
    stddev: float | None = None

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    def describe(self) -> str:
        base = f"{self.name} ({self.role}, {self.sql_type}): {self.distinct:,} distinct, {self.null_share:.0%} empty"
        if self.role == "date" and self.minimum is not None:
            return f"{base}, {self.minimum} to {self.maximum}"
        if self.role == "measure" and self.mean is not None:
            return f"{base}, {_num(self.minimum)} to {_num(self.maximum)}, mean {_num(self.mean)}"
        return base


@dataclass(frozen=True)
class TableProfile:
    table: str
    rows: int
    columns: list[ColumnProfile]

    def by_role(self, role: str) -> list[ColumnProfile]:
        return [c for c in self.columns if c.role == role]


def _num(value) -> str:
    return "n/a" if value is None else f"{float(value):,.2f}"


def profile_table(engine: Engine, table_name: str) -> TableProfile:
    """Profile every column of ``table_name``."""
    table = reflect_table(engine, table_name)
    selects: list = [sa.func.count().label("rows")]
    for col in table.c:
        selects += [
            sa.func.count(sa.distinct(col)),
            sa.func.sum(sa.case((col.is_(None), 1), else_=0)),
        ]
        if is_date_type(col.type) or is_numeric_type(col.type):
            selects += [sa.func.min(col), sa.func.max(col)]
        if is_numeric_type(col.type):
            as_float = sa.cast(col, sa.Float)
            selects += [sa.func.avg(as_float), sa.func.avg(as_float * as_float)]
    with engine.connect() as conn:
        values = list(conn.execute(sa.select(*selects).select_from(table)).one())
    rows = int(values.pop(0))
    columns = []
    for col in table.c:
        distinct, nulls = int(values.pop(0)), int(values.pop(0) or 0)
        minimum = maximum = mean = stddev = None
        if is_date_type(col.type) or is_numeric_type(col.type):
            minimum, maximum = values.pop(0), values.pop(0)
            if is_date_type(col.type) and minimum is not None:
                minimum, maximum = to_date(minimum), to_date(maximum)
        if is_numeric_type(col.type):
            mean, square = values.pop(0), values.pop(0)
            if mean is not None:
                mean = float(mean)
                stddev = math.sqrt(max(float(square) - mean * mean, 0.0))
        columns.append(
            ColumnProfile(
                name=col.name,
                sql_type=str(col.type),
                role=_role(col, rows, distinct),
                rows=rows,
                distinct=distinct,
                nulls=nulls,
                minimum=minimum,
                maximum=maximum,
                mean=mean,
                stddev=stddev,
            )
        )
    return TableProfile(table_name, rows, columns)


def _role(col: sa.Column, rows: int, distinct: int) -> str:
    name = col.name.lower()
    if name in _BOOKKEEPING:
        return "bookkeeping"
    if is_date_type(col.type):
        return "date"
    unique = rows > 0 and distinct >= 0.95 * rows
    if is_numeric_type(col.type):
        if col.primary_key or name == "id" or name.endswith("_id") or (unique and isinstance(col.type, sa.Integer)):
            return "identifier"
        return "measure"
    if is_text_type(col.type):
        if col.primary_key or unique or name.endswith("_id"):
            return "identifier"
        return "dimension" if 1 < distinct <= DIMENSION_MAX_VALUES else "text"
    return "text"


def span_days(column: ColumnProfile) -> int:
    if isinstance(column.minimum, dt.date) and isinstance(column.maximum, dt.date):
        return (column.maximum - column.minimum).days + 1
    return 0
