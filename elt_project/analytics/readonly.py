"""The second safety layer: the database itself refuses to write, whatever SQL reaches it.

- SQLite: a separate connection opened ``mode=ro`` with ``PRAGMA query_only``, an
  authorizer that allows only reading (no ATTACH, PRAGMA or writes, and no reading
  of account or metadata tables), and a progress handler that stops a query after
  the timeout.
- PostgreSQL: a ``READ ONLY`` transaction with ``statement_timeout``; the statement
  is sent as a prepared statement, so a stacked second statement cannot run.
- SQL Server: the hub should connect with a read-only login (see the README); each
  query also gets a timeout.

Results come back as plain Python values, rows capped at the caller's limit.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from elt_project.analytics.hub_config import is_protected
from elt_project.errors import EltError

DEFAULT_TIMEOUT_S = 15.0


class QueryFailed(EltError):
    """The database refused or failed the query (after it passed the checks)."""

    resolution = "Rephrase the question or correct the SQL; the database's reason is shown."


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list]


_SQLITE_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
_SQLITE_RECURSIVE = getattr(sqlite3, "SQLITE_RECURSIVE", 33)
_SQLITE_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}


def _sqlite_authorizer(action, arg1, arg2, _db, _trigger):
    if action == _SQLITE_RECURSIVE:
        return sqlite3.SQLITE_OK
    if action not in _SQLITE_ALLOWED_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _SQLITE_DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and ((arg1 or "").lower().startswith("sqlite_") or is_protected(arg1 or "")):
        return sqlite3.SQLITE_DENY  # accounts and metadata stay unreadable even if a query reaches them
    return sqlite3.SQLITE_OK


def _sqlite_readonly_connection(path: str) -> sqlite3.Connection:
    """A fresh connection that cannot write (opening one costs well under a millisecond)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(_sqlite_authorizer)
    return conn


def _sqlite_run(engine: Engine, sql: str, max_rows: int, timeout_s: float) -> QueryResult:
    path = engine.url.database
    if not path or path == ":memory:":
        raise QueryFailed("An in-memory SQLite warehouse cannot be opened read-only; use a file.")
    conn = _sqlite_readonly_connection(path)
    try:
        deadline = time.monotonic() + timeout_s
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = [list(row) for row in cursor.fetchmany(max_rows)]
        cursor.close()
    finally:
        conn.close()
    return QueryResult(columns, rows)


def _postgres_run(engine: Engine, sql: str, max_rows: int, timeout_s: float) -> QueryResult:
    with engine.connect() as conn:
        with conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
            raw = conn.connection.dbapi_connection
            with raw.cursor() as cursor:
                cursor.execute(sql, prepare=True)
                columns = [d.name for d in cursor.description or []]
                rows = [list(row) for row in cursor.fetchmany(max_rows)]
            conn.rollback()
    return QueryResult(columns, rows)


def _mssql_run(engine: Engine, sql: str, max_rows: int, timeout_s: float) -> QueryResult:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.timeout = max(1, int(timeout_s))
        cursor = raw.cursor()
        try:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = [list(row) for row in cursor.fetchmany(max_rows)]
        finally:
            cursor.close()
            conn.rollback()
    return QueryResult(columns, rows)


_RUNNERS = {"sqlite": _sqlite_run, "postgresql": _postgres_run, "mssql": _mssql_run}


def run_readonly(
    engine: Engine, sql: str, *, max_rows: int = 1000, timeout_s: float = DEFAULT_TIMEOUT_S
) -> QueryResult:
    """Run one statement on a read-only connection of ``engine``'s warehouse; errors become :class:`QueryFailed`."""
    runner = _RUNNERS.get(engine.dialect.name)
    if runner is None:
        raise QueryFailed(f"The hub cannot run read-only queries on {engine.dialect.name}.")
    try:
        return runner(engine, sql, max_rows, timeout_s)
    except QueryFailed:
        raise
    except Exception as exc:
        raise QueryFailed(f"The database refused the query: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
