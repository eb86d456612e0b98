"""Reading the warehouse's own tables for analysis: reflection, column roles, daily series.

Table and column names come from configuration or from a user's pick, so each is
checked against the reflected table before use and quoted by SQLAlchemy; nothing is
pasted into SQL text. Aggregation (SUM per day) happens in the database over the
whole history, so only one row per day reaches Python, however many rows a day has.
A window is a number of days back from the newest day, never a number of rows: a
row limit cuts a busy table's history to a few months and a quiet one's to years.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db.dialect_expressions import day_of
from elt_project.errors import ConfigurationError

#: The longest history a model reads: ten years of days (one row each) is still small,
#: and older days say little about next month.
MAX_HISTORY_DAYS = 3653


def reflect_table(engine: Engine, name: str) -> sa.Table:
    """The warehouse table ``name`` as reflected now; a clear error when it does not exist."""
    if not name or not sa.inspect(engine).has_table(name):
        raise ConfigurationError(f"Table '{name}' does not exist in the warehouse; pick an existing table.")
    return sa.Table(name, sa.MetaData(), autoload_with=engine)


def column(table: sa.Table, name: str) -> sa.Column:
    """A column of ``table`` by name, refusing names the table does not have."""
    if name not in table.c:
        known = ", ".join(table.c.keys())
        raise ConfigurationError(f"Table '{table.name}' has no column '{name}'; its columns are: {known}.")
    return table.c[name]


def is_date_type(type_: sa.types.TypeEngine) -> bool:
    return isinstance(type_, (sa.Date, sa.DateTime))


def is_numeric_type(type_: sa.types.TypeEngine) -> bool:
    return isinstance(type_, (sa.Integer, sa.Numeric, sa.Float)) and not isinstance(type_, sa.Boolean)


def is_text_type(type_: sa.types.TypeEngine) -> bool:
    return isinstance(type_, (sa.String, sa.Enum))


def guess_date_column(table: sa.Table) -> sa.Column:
    """The table's business date: a DATE column first, one named like a date next, any timestamp last."""
    dated = [c for c in table.c if is_date_type(c.type)]
    if not dated:
        raise ConfigurationError(f"Table '{table.name}' has no date or timestamp column; name one with --date-column.")

    def rank(col: sa.Column) -> tuple[int, int]:
        plain_date = isinstance(col.type, sa.Date) and not isinstance(col.type, sa.DateTime)
        return (0 if plain_date else 1, 0 if "date" in col.name.lower() else 1)

    return sorted(dated, key=rank)[0]


def bound_day(col: sa.Column, day: dt.date) -> dt.date | dt.datetime:
    """``day`` in the form the column's type binds: midnight for timestamp columns."""
    if isinstance(col.type, sa.DateTime):
        return dt.datetime.combine(day, dt.time())
    return day


def in_days(col: sa.Column, start: dt.date, end: dt.date) -> sa.ColumnElement:
    """``start <= col < end + 1 day``: whole days, and the column's index stays usable."""
    return sa.and_(col >= bound_day(col, start), col < bound_day(col, end + dt.timedelta(days=1)))


def to_date(value) -> dt.date:
    """A day as returned by the driver (date, datetime or ISO text) as a ``date``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def daily_series(
    engine: Engine,
    table_name: str,
    date_column: str,
    value_column: str,
    *,
    history_days: int | None = None,
) -> pd.Series:
    """SUM(value) per day over the newest ``history_days`` days (default: all, at most 10 years).

    Two queries, both done by the warehouse: the newest day, then one GROUP BY day
    over the days from ``newest - history_days + 1`` on. Oldest day first, indexed
    by Timestamp; days without rows are simply absent.
    """
    days = min(history_days or MAX_HISTORY_DAYS, MAX_HISTORY_DAYS)
    if days < 1:
        raise ConfigurationError("The history window must be at least 1 day; raise ANALYTICS_HISTORY_DAYS.")
    table = reflect_table(engine, table_name)
    date_col = column(table, date_column)
    value_col = column(table, value_column)
    if not is_numeric_type(value_col.type):
        raise ConfigurationError(
            f"Column '{value_column}' of '{table_name}' is not numeric; choose a numeric value_column."
        )
    day = day_of(date_col, engine.dialect).label("day")
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(date_col))).scalar()
        if newest is None:
            rows = []
        else:
            last = to_date(newest)
            first = last - dt.timedelta(days=days - 1)
            query = (
                sa.select(day, sa.func.sum(value_col)).where(in_days(date_col, first, last)).group_by(day).order_by(day)
            )
            rows = conn.execute(query).all()
    index = pd.DatetimeIndex([pd.Timestamp(to_date(r[0])) for r in rows], name="date")
    values = [float(r[1]) if r[1] is not None else float("nan") for r in rows]
    return pd.Series(values, index=index, name=value_column, dtype="float64")


def measure_columns(engine: Engine, table_name: str) -> list[str]:
    """Numeric columns worth summing (keys and row numbers left out), for measure pickers."""
    table = reflect_table(engine, table_name)
    return [
        c.name
        for c in table.c
        if is_numeric_type(c.type)
        and not (c.primary_key or c.name.lower() == "id" or c.name.lower().endswith(("_id", "_number")))
    ]


def date_columns(engine: Engine, table_name: str) -> list[str]:
    """Date and timestamp columns, the likeliest business date first."""
    table = reflect_table(engine, table_name)
    first = guess_date_column(table).name if any(is_date_type(c.type) for c in table.c) else None
    others = [c.name for c in table.c if is_date_type(c.type) and c.name != first]
    return ([first] if first else []) + others
