"""Time said of a table with no date column: a year, a month or a trend on integer (or month-name) columns.

Many warehouses keep time as ``year``, ``month`` (1-12 or 'Feb') and ``day`` columns
instead of a date. A year or a month said in the question becomes filters on them; a
month said without a year is placed only when the data holds one year, since over
several years "in July" could mean every July or the last one.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import sqlalchemy as sa

from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.grammar import NotUnderstood, Reading
from elt_project.analytics.nl2sql.sqlbuild import Col, Dim, Filter, Plan
from elt_project.analytics.nl2sql.timewindows import TimeSpec, Window, add_months, place_in_data
from elt_project.analytics.schema_context import SchemaContext


def time_on_columns(plan: Plan, time: TimeSpec, context: SchemaContext, reading: Reading) -> None:
    """No date column: a year (or month) said or grouped on an integer column of that name, if there is one."""
    table = context.tables[plan.base]

    def integer(unit: str):
        return next((c for c in table.columns if c.integer and c.name.lower() == unit), None)

    window = time.window
    if time.bucket and (column := integer(time.bucket)):
        plan.dims.insert(0, Dim(Col(plan.base, column.name), column.name))
    elif time.bucket:
        raise NotUnderstood(f"{plan.base} has no date or {time.bucket} column to group by.", reading.understood)
    if window is not None and not window.implied and (column := integer("year")):
        first, last = window.start.year, window.end.year - 1
        whole_years = window.start == date(first, 1, 1) and window.end == date(last + 1, 1, 1)
        if whole_years and first == last:
            plan.filters.append(Filter(Col(plan.base, column.name), "in", [first]))
            reading.understood.append(f"{column.name} = {first}")
            return
        if whole_years:  # "after 2010", "between 1990 and 1995": a range of years
            plan.filters += [Filter(Col(plan.base, column.name), ">=", [first]),
                             Filter(Col(plan.base, column.name), "<=", [last])]  # fmt: skip
            reading.understood.append(f"{column.name} from {first} to {last}")
            return
    if window is not None and _window_on_columns(plan, window, integer, table, context, reading):
        return
    if window is not None or time.periods:
        raise NotUnderstood(f"{plan.base} has no date column for the time you asked about.", reading.understood)


def _window_on_columns(plan: Plan, window: Window, integer, table, context: SchemaContext, reading: Reading) -> bool:
    """A quarter, a month or days within one month on year/quarter/month/day columns; False if none fits."""
    start, last = window.start, window.end - timedelta(days=1)
    one_quarter = add_months(start, 3) == window.end and start.day == 1 and start.month % 3 == 1
    if one_quarter and (quarter := integer("quarter")):
        _year_on_column(plan, window, integer("year"), context, reading)
        plan.filters.append(Filter(Col(plan.base, quarter.name), "in", [(start.month + 2) // 3]))
        reading.understood.append(f"{quarter.name} = {(start.month + 2) // 3}")
        return True
    one_month = add_months(start, 1) == window.end and start.day == 1
    if one_month and _month_on_columns(plan, window, integer("year"), table, context, reading):
        return True
    within_month = (last.year, last.month) == (start.year, start.month)
    day = integer("day")
    if within_month and day and _month_on_columns(plan, window, integer("year"), table, context, reading):
        plan.filters += [Filter(Col(plan.base, day.name), ">=", [start.day]),
                         Filter(Col(plan.base, day.name), "<=", [last.day])]  # fmt: skip
        reading.understood.append(f"{day.name} from {start.day} to {last.day}")
        return True
    return False


def _month_on_columns(plan: Plan, window: Window, year_col, table, context: SchemaContext, reading: Reading) -> bool:
    """One month on a month column (an integer 1-12, or month names such as 'Feb') and, if any, a year column.

    Said without a year, the month is placed only when the data holds a single year (or
    has no year column); over several years "in July" could be every July or the last
    one, so the question is refused naming the years.
    """
    month = window.start.month
    column = next((c for c in table.columns if c.name.lower() == "month"), None)
    if column is None:
        return False
    value: int | str | None = None
    if column.integer:
        value = month
    else:
        names = {calendar.month_name[month].lower(), calendar.month_abbr[month].lower()}
        value = next((v for v in column.values or () if v.lower().rstrip(".") in names), None)
        if value is None:
            return False
    _year_on_column(plan, window, year_col, context, reading)
    plan.filters.append(Filter(Col(plan.base, column.name), "in", [value]))
    reading.understood.append(f"{column.name} = {value!r}")
    return True


def _year_on_column(plan: Plan, window: Window, year_col, context: SchemaContext, reading: Reading) -> None:
    """The window's year as a filter on the year column; said without one, the data's only year, else refused."""
    if year_col is None:
        if not window.implied:
            raise NotUnderstood(f"{plan.base} has no year column for {window.label}.", reading.understood)
        return
    years = _distinct_years(context, plan.base, year_col.name)
    if window.implied and len(years) != 1:
        raise NotUnderstood(
            f"{window.label} without a year: {plan.base}.{year_col.name} runs from {min(years, default='?')} "
            f"to {max(years, default='?')}; add the year.",
            reading.understood,
        )
    year = years[0] if window.implied else window.start.year
    plan.filters.append(Filter(Col(plan.base, year_col.name), "in", [year]))
    said = " (the only year in the data)" if window.implied else ""
    reading.understood.append(f"{year_col.name} = {year}{said}")


def _distinct_years(context: SchemaContext, table: str, column: str) -> list[int]:
    """The distinct values of an integer year column (few: it has levels), read from the warehouse."""
    col = sa.table(table, sa.column(column)).c[column]
    if context.engine is None:  # a context built by hand: no warehouse to read the years from
        return []
    with context.engine.connect() as conn:
        return sorted(int(v) for (v,) in conn.execute(sa.select(col).where(col.is_not(None)).distinct()))


def add_time(plan: Plan, time: TimeSpec, context: SchemaContext, reading: Reading) -> None:
    """The question's time on the base table's first date column, else on its year/month/day columns."""
    if not (time.window or time.periods or time.bucket):
        return
    dates = vocab.date_columns(context.tables[plan.base])
    if not dates:
        time_on_columns(plan, time, context, reading)
        return
    plan.date_col = Col(plan.base, dates[0].name)
    plan.window, plan.periods = placed_in_data(time.window, dates[0], reading), time.periods
    if time.bucket:
        plan.dims.insert(0, Dim(plan.date_col, time.bucket, bucket=time.bucket))


def placed_in_data(window: Window | None, column, reading: Reading) -> Window | None:
    """A window said without a year, placed in the latest year of the data that has it (said in the answer)."""
    if window is None or not window.implied:
        return window
    if not column.date_range:
        raise NotUnderstood(
            f"{column.name} holds no dates to place {window.label!r} in; add the year.", reading.understood
        )
    first, last = (date.fromisoformat(d) for d in column.date_range)
    placed = place_in_data(window, first, last)
    if placed is None:
        raise NotUnderstood(
            f"the data has no {window.label} ({column.name} runs from {first} to {last}); add the year.",
            reading.understood,
        )
    reading.understood.append(f"{window.label} read as {placed.label}, the latest in the data")
    return placed
