"""A date column cut into days, weeks, months, quarters or years, spelled per dialect.

The offline question parser groups by these buckets. Every dialect gives the same
labels, so an answer reads alike on every warehouse: ``YYYY-MM-DD`` (a day, and the
Monday that starts a week), ``YYYY-MM``, ``YYYY-Qn`` and ``YYYY``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

UNITS = ("day", "week", "month", "quarter", "year")

Spelling = dict[str, Callable[[sa.ColumnElement[Any]], sa.ColumnElement[Any]]]
f = sa.func


def _char10(value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return f.convert(sa.literal_column("CHAR(10)"), value, 23)


_SQLITE: Spelling = {
    "day": lambda column: f.date(column),
    "week": lambda column: f.date(column, "weekday 0", "-6 days"),
    "month": lambda column: f.strftime("%Y-%m", column),
    "year": lambda column: f.strftime("%Y", column),
    "quarter": lambda column: (
        f.strftime("%Y", column) + "-Q" + sa.cast((sa.cast(f.strftime("%m", column), sa.Integer) + 2) // 3, sa.String)
    ),
}
_POSTGRESQL: Spelling = {
    "day": lambda column: f.to_char(column, "YYYY-MM-DD"),
    "week": lambda column: f.to_char(f.date_trunc("week", column), "YYYY-MM-DD"),
    "month": lambda column: f.to_char(column, "YYYY-MM"),
    "year": lambda column: f.to_char(column, "YYYY"),
    "quarter": lambda column: f.to_char(column, 'YYYY-"Q"Q'),
}
_MSSQL: Spelling = {
    "day": _char10,
    "week": lambda column: _char10(
        f.dateadd(
            sa.literal_column("week"),
            f.datediff(sa.literal_column("week"), 0, f.dateadd(sa.literal_column("day"), -1, column)),
            0,
        )
    ),
    "month": lambda column: f.format(column, "yyyy-MM"),
    "year": lambda column: sa.cast(f.year(column), sa.String(4)),
    "quarter": lambda column: f.concat(f.year(column), "-Q", f.datepart(sa.literal_column("quarter"), column)),
}
_SPELLINGS = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}


def date_bucket(column: sa.ColumnElement[Any], unit: str, dialect: Dialect) -> sa.ColumnElement[Any]:
    """``column`` as the label of its ``unit`` (one of :data:`UNITS`); T-SQL for any other dialect."""
    return _SPELLINGS.get(dialect.name, _MSSQL)[unit](column)
