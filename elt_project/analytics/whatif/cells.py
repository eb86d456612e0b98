"""Reading a measure per day split into the disjoint cells that a scenario's segments make.

Segments of different columns overlap (West and Online share the West × Online
rows), so a scenario does not forecast "West" and "Online" separately: the table is
split by membership of each named segment (in West or not, in Online or not), which
gives at most ``2 ** k`` disjoint cells whose sum is the whole table. Every change
then applies to the cells inside its segment, and nothing is counted twice.

One GROUP BY query does it, in the database: day x one 0/1 flag per segment, with
SUM(measure). Segment values are compared as text, as "Why did it change" names
them (NULL reads "(empty)"), and are bound parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.tables import (
    MAX_HISTORY_DAYS,
    column,
    guess_date_column,
    in_days,
    is_numeric_type,
    is_text_type,
    measure_columns,
    reflect_table,
    to_date,
)
from elt_project.db.dialect_expressions import day_of
from elt_project.errors import ConfigurationError

EMPTY = "(empty)"
#: A segment column has at least 2 and at most this many values: more is a list to pick from, not a segment.
MAX_SEGMENT_VALUES = 50
#: Column names that hold a count of units: with one of them a "rate" change is a price per unit.
QUANTITY_WORDS = ("quantity", "qty", "units", "unit_count", "pieces", "items", "volume")

Segment = tuple[str, str]  # (dimension, value)
Cell = str  # "10": in the first segment, not in the second (the order of ``CellFrame.segments``)


@dataclass
class CellFrame:
    """The measure per day and cell; days the table has no row at all are NaN in every cell."""

    segments: list[Segment]
    values: pd.DataFrame  # index: every day from the first to the newest, columns: Cell
    date_column: str

    @property
    def data_through(self) -> dt.date:
        return self.values.index[-1].date()

    def cells_in(self, segment: Segment) -> list[Cell]:
        """The cells inside ``segment``."""
        position = self.segments.index(segment)
        return [cell for cell in self.values.columns if cell[position] == "1"]


def quantity_column(engine: Engine, table_name: str, measure: str) -> str | None:
    """The table's units column (``quantity``, ``qty``...), if it has one; the measure itself counts."""
    for name in [measure, *measure_columns(engine, table_name)]:
        if any(word in name.lower() for word in QUANTITY_WORDS):
            return name
    return None


def segment_columns(engine: Engine, table_name: str) -> list[str]:
    """Text columns with 2..:data:`MAX_SEGMENT_VALUES` distinct values, fewest values first."""
    table = reflect_table(engine, table_name)
    candidates = [c for c in table.c if is_text_type(c.type)]
    if not candidates:
        return []
    with engine.connect() as conn:
        counts = conn.execute(sa.select(*(sa.func.count(sa.distinct(c)) for c in candidates))).one()
    chosen = sorted((n, c.name) for n, c in zip(counts, candidates, strict=True) if 2 <= n <= MAX_SEGMENT_VALUES)
    return [name for _n, name in chosen]


def segment_values(engine: Engine, table_name: str, dimension: str, limit: int = 200) -> list[str]:
    """The distinct values of ``dimension`` as scenario segments name them, most rows first."""
    table = reflect_table(engine, table_name)
    key = sa.func.coalesce(sa.cast(column(table, dimension), sa.String), EMPTY)
    query = sa.select(key.label("v")).group_by(key).order_by(sa.func.count().desc(), key).limit(limit)
    with engine.connect() as conn:
        return [str(row[0]) for row in conn.execute(query)]


def read_cells(
    engine: Engine,
    table_name: str,
    measure: str,
    segments: list[Segment],
    *,
    date_column: str | None = None,
    history_days: int | None = None,
) -> CellFrame:
    """SUM(measure) per day and cell over the newest ``history_days`` days (default: all, at most 10 years)."""
    table = reflect_table(engine, table_name)
    date_col = column(table, date_column) if date_column else guess_date_column(table)
    value = column(table, measure)
    if not is_numeric_type(value.type):
        raise ConfigurationError(f"Column '{measure}' of '{table_name}' is not numeric; pick a numeric measure.")
    flags = []
    for position, (dimension, wanted) in enumerate(segments):
        key = sa.func.coalesce(sa.cast(column(table, dimension), sa.String), EMPTY)
        flags.append(sa.case((key == sa.bindparam(f"segment_{position}", wanted), 1), else_=0))
    day = day_of(date_col, engine.dialect)
    days = min(history_days or MAX_HISTORY_DAYS, MAX_HISTORY_DAYS)
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(date_col))).scalar()
        if newest is None:
            raise ConfigurationError(f"Table '{table_name}' has no rows yet; load data before running a scenario.")
        last = to_date(newest)
        first = last - dt.timedelta(days=days - 1)
        keys = [day.label("day"), *(flag.label(f"f{i}") for i, flag in enumerate(flags))]
        query = sa.select(*keys, sa.func.sum(sa.cast(value, sa.Float)).label("v"))
        query = query.where(in_days(date_col, first, last)).group_by(*keys)
        rows = conn.execute(query).all()
    return CellFrame(segments, _pivot(rows, len(segments)), date_col.name)


def _pivot(rows: list, count: int) -> pd.DataFrame:
    """Rows (day, flags..., sum) as a day x cell frame: 0 where a cell has no row on a day the table has rows."""
    records = [
        (pd.Timestamp(to_date(r[0])), "".join("1" if f else "0" for f in r[1 : 1 + count]), float(r[-1] or 0.0))
        for r in rows
    ]
    frame = pd.DataFrame(records, columns=["day", "cell", "v"])
    table = frame.pivot_table(index="day", columns="cell", values="v", aggfunc="sum", fill_value=0.0)
    full = pd.date_range(table.index.min(), table.index.max(), freq="D", name="date")
    table = table.reindex(full)  # days without any row stay NaN: unknown, not zero
    table.columns = list(table.columns)
    return table.astype(np.float64)
