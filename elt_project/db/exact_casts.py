"""Casting staged text into number columns in SQL: null markers as NULL, SQLite reals parsed exactly.

The built-in transform copies text staging columns into typed destinations. The
values were checked by the conversion rules while they were staged
(:mod:`elt_project.pipeline.conversion`: no leading zeros, no '+', nothing a
number would change), so what is left for the cast is:

* null markers (``NA``, ``N/A``, …) were staged as NULL already, so the cast is a
  plain one (no per-row CASE);
* SQLite 3.40's text-to-REAL conversion is not exact (``-87.59553528`` becomes
  ``-87.59553528000001``, about one value in 10^5 of up to eight characters), so
  REAL and NUMERIC targets are parsed by Python's ``float`` through a function
  registered on the connection — one call per value, the price of one number
  path; PostgreSQL's own parse is exact.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def number_kind(type_: sa.types.TypeEngine) -> str | None:
    """``integer``, ``float`` or ``decimal`` for number column types; None for the rest."""
    if isinstance(type_, sa.Integer):
        return "integer"
    if isinstance(type_, sa.Float):
        return "float"
    if isinstance(type_, sa.Numeric):
        return "decimal"
    return None


def cast_number(expr: sa.ColumnElement, target: sa.Column, dialect: sa.engine.Dialect) -> sa.ColumnElement:
    """The staged text as the number column wants it: a plain cast, SQLite reals through Python."""
    if dialect.name == "sqlite" and number_kind(target.type) in ("float", "decimal"):
        return sa.case((expr.is_(None), sa.null()), else_=sa.func.elt_real(expr))
    return sa.cast(expr, target.type)


def prepare_connection(conn: Connection) -> None:
    """Make :func:`cast_number`'s SQL runnable on ``conn``: on SQLite, register ``elt_real(text)``.

    The function is the builtin ``float`` itself, so a call costs no Python frame.
    """
    raw = conn.connection.driver_connection
    if conn.dialect.name == "sqlite" and raw is not None:
        raw.create_function("elt_real", 1, float, deterministic=True)
