"""Casting staged text into number columns in SQL without narrowing anything silently.

The built-in transform copies text staging columns into typed destinations. A
plain ``CAST`` would quietly change data: ``CAST('094001' AS BIGINT)`` is 94001 on
every warehouse, SQLite turns ``'abc'`` and ``'NA'`` into 0, PostgreSQL rounds
``1.005`` into ``NUMERIC(12,2)``, and SQLite 3.40's text-to-REAL conversion is not
exact (``-87.59553528`` → ``-87.59553528000001``). So, with the rules of
:mod:`elt_project.ingest.number_text`:

* :func:`lossy` is a condition for a check query run before the INSERT: true for a
  value that would not give back its own text. PostgreSQL tests it in SQL;
  SQLite's integers too (a cast round trip in C).
* SQLite's REAL and NUMERIC targets are converted by :class:`SqliteExactReal`, a
  function registered on the connection that parses with Python (exact) and
  remembers the first value that would change, raised after the statement so the
  transaction rolls back. One Python call per value: the price of exactness there.
* Null markers (``NA``, ``N/A``, …) become NULL in number columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

_PG_INTEGER = r"^-?(0|[1-9][0-9]*)$"
_PG_NUMBER = r"^-?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"


def number_kind(type_: sa.types.TypeEngine) -> str | None:
    """``integer``, ``float`` or ``decimal`` for number column types; None for the rest."""
    if isinstance(type_, sa.Integer):
        return "integer"
    if isinstance(type_, sa.Float):
        return "float"
    if isinstance(type_, sa.Numeric):
        return "decimal"
    return None


def _text(expr: sa.ColumnElement, dialect: sa.engine.Dialect) -> sa.ColumnElement:
    if dialect.name == "postgresql":
        return sa.func.btrim(sa.cast(expr, sa.Text))
    return sa.func.trim(expr)


def lossy(
    expr: sa.ColumnElement, target: sa.types.TypeEngine, dialect: sa.engine.Dialect, markers: Sequence[str]
) -> sa.ColumnElement | None:
    """True for a staged text value that would change in ``target``; None when SQL does not check it."""
    kind = number_kind(target)
    if kind is None or dialect.name not in ("sqlite", "postgresql"):
        return None
    text = _text(expr, dialect)
    present = sa.and_(expr.is_not(None), text.not_in(list(markers)))
    if dialect.name == "sqlite":
        if kind != "integer":
            return None  # SqliteExactReal checks while it converts
        round_trip = sa.cast(sa.cast(text, sa.Integer), sa.Text)
        return sa.and_(present, round_trip != text)
    if kind == "integer":
        return sa.and_(present, sa.not_(text.regexp_match(_PG_INTEGER)))
    shape = text.regexp_match(_PG_NUMBER)
    if kind == "decimal":
        scale = getattr(target, "scale", None)
        if scale is None:
            return sa.and_(present, sa.not_(shape))
        too_fine = text.regexp_match(rf"\.[0-9]{{{scale}}}[0-9]*[1-9]")
        return sa.and_(present, sa.or_(sa.not_(shape), too_fine))
    # a float keeps the value when its shortest text reads back as the same decimal
    exact = sa.cast(sa.cast(sa.cast(text, sa.Float(precision=53)), sa.Text), sa.Numeric) == sa.cast(text, sa.Numeric)
    return sa.and_(present, sa.case((shape, sa.not_(exact)), else_=sa.true()))


def cast_number(
    expr: sa.ColumnElement,
    target: sa.Column,
    dialect: sa.engine.Dialect,
    markers: Sequence[str],
    row: sa.ColumnElement | None,
) -> sa.ColumnElement:
    """The staged text as the number column wants it: markers NULL, SQLite reals parsed exactly."""
    kind = number_kind(target.type)
    if dialect.name == "sqlite" and kind in ("float", "decimal"):
        return sa.func.elt_exact_real(expr, row if row is not None else sa.null(), sa.literal(target.name))
    text = _text(expr, dialect)
    return sa.case((text.in_(list(markers)), sa.null()), else_=sa.cast(text, target.type))


class SqliteExactReal:
    """``elt_exact_real(text, row, column)`` on a SQLite connection: Python's exact parse, or the first failure."""

    def __init__(self, markers: Sequence[str]) -> None:
        self.markers = frozenset(markers)
        self.failure: tuple[str, int | None, str] | None = None

    def register(self, raw_connection) -> None:
        raw_connection.create_function("elt_exact_real", 3, self, deterministic=True)

    def __call__(self, value, row, column):
        if value is None or isinstance(value, (int, float)):
            return value
        text = str(value).strip()
        if text in self.markers:
            return None
        try:
            number = float(text)
            if _survives(text, number):
                return number
        except (ValueError, InvalidOperation):
            pass
        if self.failure is None:
            self.failure = (str(value), row, column)
        return None


def _survives(text: str, number: float) -> bool:
    digits = text.lstrip("-")
    if text.startswith("+") or (len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()):
        return False
    if not digits or not (digits[0].isdigit() or digits[0] == "."):
        return False  # inf, nan, and other words float() accepts
    return Decimal(text) == Decimal(repr(number))
