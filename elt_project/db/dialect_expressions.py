"""SQL expressions that differ per dialect: the building blocks of quality checks, dedup and casts.

The other half of the per-dialect code (bulk load, truncate, calling a transform)
is in :mod:`elt_project.db.dialects`; nothing outside ``db/`` branches on the dialect.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from elt_project.db.boolean_words import FALSE_WORDS, TRUE_WORDS
from elt_project.db.dialects import quote_table
from elt_project.errors import ConfigurationError

_NUMBER_PATTERN = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
_NUMBER_RE = re.compile(_NUMBER_PATTERN)
_NUMERIC_PY_TYPES = (int, float)


def prepare_connection(conn: Connection) -> None:
    """Register the SQL functions the checks use on this connection (SQLite only)."""
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        raw.create_function("elt_is_number", 1, _is_number, deterministic=True)


def _is_number(value) -> int:
    if isinstance(value, (int, float)):
        return 1
    return 1 if isinstance(value, str) and _NUMBER_RE.match(value) else 0


def _is_numeric_type(type_: sa.types.TypeEngine) -> bool:
    try:
        return issubclass(type_.python_type, _NUMERIC_PY_TYPES) or type_.python_type.__name__ == "Decimal"
    except NotImplementedError:
        return False


def numeric_failure(expr: sa.ColumnElement, type_: sa.types.TypeEngine, dialect: sa.engine.Dialect, bad):
    """A condition true when ``expr`` is not a number or ``bad(number)`` holds (NULL input: false).

    Text columns are tested for "is a number" once per row (a CASE, so the test and
    the cast are not repeated per comparison): PostgreSQL by regular expression,
    SQLite by a registered Python function, SQL Server by ``TRY_CAST``.
    """
    if _is_numeric_type(type_):
        return sa.and_(expr.is_not(None), bad(expr))
    if dialect.name == "sqlite":
        number = sa.cast(expr, sa.Float)
        # Plain decimals ('12', '10.50') are recognised by GLOB in C; only the rest
        # (signs, exponents, garbage) pay for the Python function.
        plain = sa.and_(
            expr.op("GLOB", is_comparison=True)(sa.literal("[0-9]*")),
            sa.not_(expr.op("GLOB", is_comparison=True)(sa.literal("*[^0-9.]*"))),
            sa.not_(expr.op("GLOB", is_comparison=True)(sa.literal("*.*.*"))),
        )
        return (
            sa.case(
                (expr.is_(None), False),
                (plain, bad(number)),
                (sa.func.elt_is_number(expr) == 1, bad(number)),
                else_=True,
            )
            == sa.true()
        )
    if dialect.name == "postgresql":
        text = sa.cast(expr, sa.Text)
        number = sa.cast(text, sa.Float)
        # As on SQLite, plain decimals ('12', '10.50', '.5') are recognised without the
        # regular expression: btrim of the digits and the dot is about half its cost.
        plain = sa.and_(
            sa.func.btrim(text, sa.literal("0123456789.")) == "",
            text.not_like(sa.literal("%.%.%")),
            text.not_in([sa.literal(""), sa.literal(".")]),
        )
        return sa.case(
            (text.is_(None), False),
            (plain, bad(number)),
            (text.regexp_match(sa.literal(_NUMBER_PATTERN)), bad(number)),
            else_=True,
        )
    number = sa.try_cast(expr, sa.Float)
    return sa.and_(expr.is_not(None), sa.or_(number.is_(None), bad(number)))


def regex_match(expr: sa.ColumnElement, pattern: str, dialect: sa.engine.Dialect, rule_name: str):
    """``expr`` matches ``pattern``: ``~`` on PostgreSQL, a Python ``re.search`` REGEXP on SQLite."""
    if dialect.name not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"Data quality rule '{rule_name}' uses MATCHES, which SQL Server does not support; "
            "use IS_IN_SET or a transform-side check instead."
        )
    return sa.cast(expr, sa.UnicodeText).regexp_match(pattern)


def row_order(source: sa.FromClause, dialect: sa.engine.Dialect):
    """An expression that orders a table's (or alias's) rows as they were inserted, or None.

    SQLite ``rowid`` and PostgreSQL ``ctid`` follow insertion order for freshly
    appended rows; SQL Server has no such column (dedup then keeps an arbitrary one).
    """
    if isinstance(source, sa.Table):
        prefix = quote_table(dialect, source)
    else:
        prefix = dialect.identifier_preparer.quote(source.name)
    if dialect.name == "sqlite":
        return sa.literal_column(f"{prefix}.rowid")
    if dialect.name == "postgresql":
        return sa.literal_column(f"{prefix}.ctid")
    return None


def cast_to_destination(source: sa.ColumnElement, target: sa.Column, dialect: sa.engine.Dialect):
    """A staged value as the destination column's type, for the built-in transform.

    SQLite has no date types: ``CAST('2024-01-05' AS DATE)`` keeps only the leading
    number (2024), so dates stay the ISO text SQLAlchemy reads back. Boolean spellings
    ('yes', 'true', '1', ...) become 1/0 where the database cannot cast them itself
    (SQLite, SQL Server); an unknown spelling is kept as it is rather than nulled.
    """
    if type(source.type) is type(target.type):
        return source
    if dialect.name == "sqlite" and isinstance(target.type, (sa.Date, sa.DateTime, sa.Time)):
        return source
    if dialect.name in ("sqlite", "mssql") and isinstance(target.type, sa.Boolean):
        word = sa.func.lower(sa.func.trim(sa.cast(source, sa.String)))
        return sa.case((word.in_(TRUE_WORDS), 1), (word.in_(FALSE_WORDS), 0), else_=source)
    return sa.cast(source, target.type)


def day_of(expr: sa.ColumnElement, dialect: sa.engine.Dialect) -> sa.ColumnElement:
    """The calendar day of a date or timestamp column, for GROUP BY day.

    SQLite keeps dates as ISO text, where ``CAST(... AS DATE)`` yields a number;
    its ``date()`` function returns the day as 'YYYY-MM-DD' instead.
    """
    if dialect.name == "sqlite":
        return sa.func.date(expr)
    return sa.cast(expr, sa.Date)
