"""A schema of the test's own for Ask: tables created as a file load leaves them, filled, read as Ask reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.nl2sql import AskContext
from elt_project.analytics.schema_context import get_context


def ask_over(
    engine: Engine,
    columns: Mapping[str, Iterable[tuple[str, Any]]],
    rows: Mapping[str, list[dict]],
    asked: Iterable[str],
    today: date,
) -> AskContext:
    """Create each table of ``columns`` (name → (column, type) pairs; no primary or foreign key declared),
    insert its ``rows``, and return Ask's context over the ``asked`` tables, profiled afresh."""
    meta = sa.MetaData()
    tables = {name: sa.Table(name, meta, *(sa.Column(c, t) for c, t in cols)) for name, cols in columns.items()}
    meta.create_all(engine)
    with engine.begin() as conn:
        for name, table in tables.items():
            conn.execute(table.insert(), rows[name])
    asked = set(asked)
    return AskContext(engine, asked, get_context(engine, asked, force=True), today)
