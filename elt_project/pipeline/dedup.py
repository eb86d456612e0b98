"""Deduplication of an ``append`` import on its ``deduplication_key`` (e.g. ``'ID,Date'``).

Before the transform, inside its transaction, this run's staged rows are deleted
when their key already exists in the destination, and when an earlier row of the
same run has the same key (the first row in insertion order — SQLite ``rowid``,
PostgreSQL ``ctid`` — is kept; on SQL Server, the lowest ``source_row_number``).
Rows with a NULL key part are never treated as duplicates (NULL equals nothing in SQL).
Both steps are single set-based DELETE statements.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from elt_project.config.models import PipelineConfig
from elt_project.db import dialect_expressions
from elt_project.pipeline.staging import lineage_columns
from elt_project.pipeline.tables import equals, require_column


def deduplicate(conn: Connection, config: PipelineConfig, staging: sa.Table, destination: sa.Table, run_id: str) -> int:
    """Delete this run's duplicate rows from ``staging``; returns how many were deleted."""
    if config.load_method != "append" or not config.deduplication_key:
        return 0
    context = f"deduplication_key of import '{config.import_name}'"
    keys = [
        (require_column(staging, name, context=context), require_column(destination, name, context=context))
        for name in config.deduplication_key
    ]
    run_column = staging.c[lineage_columns(staging)["run"]]
    against_destination = sa.exists().where(*(equals(s, s.type, d, d.type) for s, d in keys)).select_from(destination)
    deleted = conn.execute(sa.delete(staging).where(run_column == run_id, against_destination)).rowcount or 0
    return deleted + _within_run(conn, staging, keys, run_column, run_id)


def _within_run(conn: Connection, staging: sa.Table, keys, run_column, run_id: str) -> int:
    """Keep the first row of each key among this run's rows: one DELETE ... NOT IN (MIN(order))."""
    order = dialect_expressions.row_order(staging, conn.dialect)
    if order is None:
        row_name = lineage_columns(staging)["row"]
        if row_name is None:
            return 0  # no way to tell which row came first; delete nothing rather than every copy
        order = staging.c[row_name]
    key_columns = [s for s, _ in keys]
    complete_key = sa.and_(*(c.is_not(None) for c in key_columns))
    firsts = sa.select(sa.func.min(order)).where(run_column == run_id, complete_key).group_by(*key_columns)
    statement = sa.delete(staging).where(run_column == run_id, complete_key, order.not_in(firsts.scalar_subquery()))
    return conn.execute(statement).rowcount or 0
