"""What differs between SQLite, PostgreSQL and SQL Server: loading and transforming.

The engine never branches on the dialect outside ``db/``; the SQL expressions that
differ (quality checks, dedup order, casts) are in :mod:`.dialect_expressions`.
What lives here:

- :func:`bulk_load` — the fast path that appends Arrow batches to a staging table:
  SQLite through ADBC ingest in a child process (:mod:`elt_project.db.bulk_load`
  says why a child), or ``sqlite3.executemany`` with one prepared INSERT in one
  transaction when ADBC is missing or the database is in memory; PostgreSQL through
  ``COPY`` (:mod:`elt_project.db.postgres_load`: binary through ADBC for big loads
  whose columns allow it, CSV otherwise); SQL Server through pyodbc
  ``fast_executemany``.
- :func:`truncate`, :func:`delete_run`, :func:`call_transform` — destinations,
  staging purges and transforms.

Values are always bound; identifiers are quoted by the dialect's identifier preparer.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db import bulk_load as bulk_load_child
from elt_project.db import postgres_load
from elt_project.db.dialect_traits import traits
from elt_project.errors import TransformError

#: Below this many rows in the first batch the child process's start-up (~0.3 s)
#: costs more than ADBC saves, so small files use executemany. Equal to the
#: staging batch size (:func:`elt_project.pipeline.staging.load_file`), so a full
#: first batch — more are coming — goes to the child.
SQLITE_CHILD_MIN_ROWS = 32_768


# ---- quoting ---------------------------------------------------------------------------


def quote_table(dialect: sa.engine.Dialect, table: sa.Table) -> str:
    """The table's name (with schema) quoted for ``dialect``."""
    return dialect.identifier_preparer.format_table(table)


def quote_name(dialect: sa.engine.Dialect, dotted: str) -> str:
    """Quote a possibly schema-qualified object name (a procedure) part by part."""
    preparer = dialect.identifier_preparer
    return ".".join(preparer.quote(part) for part in dotted.split("."))


# ---- transactions ------------------------------------------------------------------------


def open_ddl_transaction(conn: Connection) -> None:
    """Make sure DDL about to run on ``conn`` is inside its transaction, to commit or roll back with it.

    PostgreSQL and SQL Server already are; Python's sqlite3 opens a transaction only
    before INSERT/UPDATE/DELETE, so an ALTER TABLE sent first would commit at once.
    """
    if traits(conn.dialect).ddl_needs_explicit_begin and not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")


# ---- bulk load ---------------------------------------------------------------------------


def normalise_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Null-typed columns (all-empty Excel/JSON columns) become strings every driver can bind."""
    if not any(pa.types.is_null(field.type) for field in batch.schema):
        return batch
    arrays = [col.cast(pa.string()) if pa.types.is_null(col.type) else col for col in batch.columns]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def bulk_load(engine: Engine, table: sa.Table, batches: Iterable[pa.RecordBatch]) -> int:
    """Append ``batches`` (column names = table column names) to ``table`` in ONE transaction.

    Commits when every batch is in; on any error nothing of this call stays. Returns
    the number of rows appended. The caller must not hold an open write transaction
    on ``engine`` (SQLite loads through a connection of its own).
    """
    iterator = iter(batches)
    first = next(iterator, None)
    if first is None:
        return 0
    first = normalise_batch(first)
    name = engine.dialect.name
    big = first.num_rows >= SQLITE_CHILD_MIN_ROWS  # a full first batch: more are coming
    if name == "sqlite" and big and _file_database(engine) and bulk_load_child.available():
        return bulk_load_child.load_in_child(_file_database(engine), table.name, _chain(first, iterator))
    if name == "postgresql":
        return postgres_load.load(engine, table, _chain(first, iterator), binary=big)
    return _executemany_load(engine, table, first, iterator)


def _file_database(engine: Engine) -> str | None:
    database = engine.url.database
    return database if database and database != ":memory:" and not database.startswith("file:") else None


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    for batch in rest:
        yield normalise_batch(batch)


def _executemany_load(engine: Engine, table: sa.Table, first: pa.RecordBatch, rest: Iterator) -> int:
    statement = _insert_statement(engine.dialect, table, first.schema.names)
    rows = 0
    with engine.begin() as conn, _driver_cursor(conn) as cursor:
        for batch in _chain(first, rest):
            cursor.executemany(statement, list(zip(*(col.to_pylist() for col in batch.columns))))
            rows += batch.num_rows
    return rows


def insert_columns(conn: Connection, table: sa.Table, columns: dict[str, Sequence]) -> int:
    """Append rows given column by column, inside the caller's transaction, with one prepared INSERT.

    Each value goes through the column type's own bind processor, so it is stored
    exactly as ``conn.execute(table.insert(), rows)`` would store it; the driver's
    executemany is handed plain tuples, which spares SQLAlchemy's per-row parameter
    handling (most of the cost of writing thousands of small rows).
    """
    names = list(columns)
    bound = []
    for name in names:
        processor = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        values = columns[name]
        bound.append([None if v is None else processor(v) for v in values] if processor else list(values))
    rows = list(zip(*bound))
    if rows:
        with _driver_cursor(conn) as cursor:
            cursor.executemany(_insert_statement(conn.dialect, table, names), rows)
    return len(rows)


def _insert_statement(dialect: sa.engine.Dialect, table: sa.Table, names: Sequence[str]) -> str:
    preparer = dialect.identifier_preparer
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    return (
        f"INSERT INTO {quote_table(dialect, table)} ({', '.join(preparer.quote(n) for n in names)}) "  # noqa: S608 — identifiers quoted by the dialect; values are bound placeholders
        f"VALUES ({', '.join(marker for _ in names)})"
    )


@contextmanager
def _driver_cursor(conn: Connection) -> Iterator:
    """A cursor of the connection's own driver, in its open transaction (fast_executemany on SQL Server)."""
    cursor = conn.connection.driver_connection.cursor()
    if conn.dialect.name == "mssql":
        cursor.fast_executemany = True
    try:
        yield cursor
    finally:
        cursor.close()


# ---- destinations and transforms ---------------------------------------------------------


def truncate(conn: Connection, table: sa.Table) -> None:
    """Empty ``table`` inside the caller's transaction (DELETE on SQLite, which has no TRUNCATE)."""
    if conn.dialect.name == "sqlite":
        conn.execute(sa.delete(table))
    else:
        conn.exec_driver_sql(f"TRUNCATE TABLE {quote_table(conn.dialect, table)}")


def delete_run(conn: Connection, table: sa.Table, run_column: sa.Column, run_id: str) -> None:
    """Delete one run's rows from a staging table inside the caller's transaction.

    When the table holds nothing else (the usual case: other runs were purged) it is
    emptied in one step instead of row by row — TRUNCATE on PostgreSQL after taking
    the table lock (so a concurrent load cannot slip in between check and truncate),
    an unqualified DELETE on SQLite (its truncate optimisation).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"LOCK TABLE {quote_table(conn.dialect, table)} IN ACCESS EXCLUSIVE MODE")
    elif conn.dialect.name == "sqlite":
        # Python's sqlite3 opens the transaction only at the first write, so without this
        # no-op DELETE the check below would run unlocked and another run's freshly staged
        # rows could be truncated with ours. A DELETE takes the write lock even when it
        # matches nothing.
        conn.execute(sa.delete(table).where(sa.false()))
    if conn.dialect.name in ("postgresql", "sqlite"):
        others = sa.select(sa.literal(1)).where(sa.or_(run_column != run_id, run_column.is_(None))).limit(1)
        if conn.execute(others).first() is None:
            truncate(conn, table)
            return
    conn.execute(sa.delete(table).where(run_column == run_id))


def engine_truncates_for_procedure(dialect: sa.engine.Dialect) -> bool:
    """SQLite scripts are not procedures: the engine truncates ``replace`` destinations itself.

    On PostgreSQL and SQL Server the procedure receives ``tables_to_truncate`` and
    truncates, as the product documentation describes.
    """
    return dialect.name == "sqlite"


def call_transform(
    conn: Connection, transforms_dir: Path, procedure: str, run_id: str, tables_to_truncate: list[str]
) -> None:
    """Run the transform named ``procedure`` for ``run_id`` inside the caller's transaction.

    SQL Server: ``EXEC proc @run_id=?, @tables_to_truncate=?``; PostgreSQL: ``CALL
    proc(:run_id, :tables_to_truncate)``; SQLite: the statements of
    ``transforms_dir/<procedure>.sql`` one by one, each given the named parameters
    ``:run_id`` and ``:tables_to_truncate`` (comma-separated, or NULL when empty).
    """
    tables = ",".join(tables_to_truncate) or None
    params = {"run_id": run_id, "tables_to_truncate": tables}
    name = conn.dialect.name
    if name == "sqlite":
        _run_sqlite_script(conn, transforms_dir, procedure, params)
        return
    quoted = quote_name(conn.dialect, procedure)
    if name == "mssql":
        conn.execute(sa.text(f"EXEC {quoted} @run_id=:run_id, @tables_to_truncate=:tables_to_truncate"), params)
    else:
        conn.execute(sa.text(f"CALL {quoted}(:run_id, :tables_to_truncate)"), params)


def split_sqlite_script(script: str) -> list[str]:
    """Split a script into complete statements using SQLite's own tokenizer rules."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    tail = pending.strip()
    if tail and _has_code(tail):
        statements.append(tail)
    return statements


def _has_code(text: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", text, flags=re.DOTALL)
    return bool(without_comments.strip(" \t\r\n;"))


def _run_sqlite_script(conn: Connection, transforms_dir: Path, procedure: str, params: dict) -> None:
    path = Path(transforms_dir) / f"{procedure}.sql"
    if not path.is_file():
        raise TransformError(
            f"Transform script {path} for transform_procedure '{procedure}' does not exist; "
            "create it (SQLite runs <procedure>.sql from ELT_TRANSFORMS_DIR) or clear transform_procedure.",
            resolution="Create the transform script or clear transform_procedure, then run again.",
        )
    for statement in split_sqlite_script(path.read_text(encoding="utf-8")):
        # Driver-level execution: sqlite3 binds :run_id itself and ignores unused names,
        # and a ':' inside a string literal is not mistaken for a parameter.
        conn.exec_driver_sql(statement, params)
