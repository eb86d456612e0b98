"""The second safety layer: the database itself refuses to write, whatever SQL reaches it.

- SQLite: a separate connection opened ``mode=ro`` with ``PRAGMA query_only``, an
  authorizer that allows only reading (no ATTACH, PRAGMA or writes, no reading of
  account or metadata tables, none of the functions that build huge values), a
  length limit on every value, and a progress handler that stops a query after the
  timeout.
- PostgreSQL: a ``READ ONLY`` transaction with ``statement_timeout`` that runs as the
  hub's reader role (:mod:`elt_project.db.reader_role`), which has no right on the
  metadata tables; the statement is sent as a prepared statement, so a stacked second
  statement cannot run, and wrapped so the server stops at the answer's byte bound.
  Without the role (a login that may not create it) the hub still runs, and says in
  its log that this layer is weaker.
- SQL Server: the hub should connect with the reader login of ``sql/08_setup_hub_reader.sql``;
  each query also gets a timeout.

Results come back as plain Python values, bounded in rows and bytes
(:mod:`elt_project.analytics.result_bounds`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from elt_project.analytics.hub_config import is_protected
from elt_project.analytics.result_bounds import (
    ANSWER_TOO_LARGE_MARK,
    POSTGRES_COUNTER,
    AnswerTooLarge,
    ResultLimits,
    answer_too_large,
    fetch_bounded,
    postgres_guarded,
    value_too_large,
)
from elt_project.db.dialect_traits import known_traits
from elt_project.db.reader_role import checked_role_name, may_use_role, reader_role_name
from elt_project.db.tsql_scripts import MSSQL_HUB_READER
from elt_project.errors import EltError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 15.0
#: Memory PostgreSQL may use per sort or hash of a hub query before it spills to disk.
POSTGRES_WORK_MEM = "8MB"


class QueryFailed(EltError):
    """The database refused or failed the query (after it passed the checks)."""

    resolution = "Rephrase the question or correct the SQL; the database's reason is shown."


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list]


_SQLITE_ALLOWED_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
_SQLITE_MIN_LENGTH = 1_000_000
_SQLITE_RECURSIVE = getattr(sqlite3, "SQLITE_RECURSIVE", 33)
#: File access, extensions, and the functions that build a value as large as an argument says.
_SQLITE_DENIED_FUNCTIONS = {
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer",
    "zeroblob", "randomblob", "printf", "format",
}  # fmt: skip


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


def _sqlite_readonly_connection(path: str, max_value_bytes: int) -> sqlite3.Connection:
    """A fresh connection that cannot write (opening one costs well under a millisecond)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA query_only = ON")
    # No string or blob, even midway through a query, beyond the bound (the schema's own rows need ~1 MB).
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(max_value_bytes, _SQLITE_MIN_LENGTH))
    conn.set_authorizer(_sqlite_authorizer)
    return conn


def _sqlite_run(engine: Engine, sql: str, limits: ResultLimits, timeout_s: float, _role: str | None) -> QueryResult:
    path = engine.url.database
    if not path or path == ":memory:":
        raise QueryFailed("An in-memory SQLite warehouse cannot be opened read-only; use a file.")
    conn = _sqlite_readonly_connection(path, limits.max_value_bytes)
    try:
        deadline = time.monotonic() + timeout_s
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = fetch_bounded(cursor, limits)
        cursor.close()
    except sqlite3.DataError as exc:  # "string or blob too big": the length limit stopped it
        raise value_too_large(limits) from exc
    finally:
        conn.close()
    return QueryResult(columns, rows)


def _postgres_run(engine: Engine, sql: str, limits: ResultLimits, timeout_s: float, role: str | None) -> QueryResult:
    text, _wrapped = postgres_guarded(sql, limits)
    with engine.connect() as conn:
        with conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
            conn.exec_driver_sql(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
            conn.exec_driver_sql(f"SET LOCAL {POSTGRES_COUNTER} = 0")
            reader = _use_reader_role(conn, role)
            raw = conn.connection.dbapi_connection
            with raw.cursor() as cursor:
                cursor.execute(text, prepare=True)
                columns = [d.name for d in cursor.description or []]
                rows = fetch_bounded(cursor, limits)
            if reader is not None:
                _still_reader(conn, reader)
            conn.rollback()
    return QueryResult(columns, rows)


_WARNED_ROLES: set[str] = set()


def _use_reader_role(conn: Connection, configured: str | None) -> str | None:
    """Switch this transaction to the reader role; without one, log once that the second layer is weaker."""
    role = reader_role_name(conn, configured)
    if may_use_role(conn, role):
        conn.exec_driver_sql(f"SET LOCAL ROLE {conn.dialect.identifier_preparer.quote(role)}")
        return role
    _warn_weaker(role)
    return None


def _warn_weaker(role: str) -> None:
    if role not in _WARNED_ROLES:
        _WARNED_ROLES.add(role)
        log.warning(
            "The hub's reader role %s is missing, so hub SQL runs with the login's own rights and only the "
            "query checks keep metadata tables out of reach; run `python3 launch.py elt db upgrade` with a login "
            "that may create roles (SQL Server: sql/08_setup_hub_reader.sql).",
            role,
        )


def _still_reader(conn: Connection, role: str) -> None:
    """A query that switched back to the login's role (``set_config('role', ...)``) gets no answer."""
    if conn.exec_driver_sql("SELECT current_user").scalar() != role:
        raise QueryFailed("The query changed the database role it runs as, so its answer is withheld.")


def _mssql_run(engine: Engine, sql: str, limits: ResultLimits, timeout_s: float, role: str | None) -> QueryResult:
    """Runs as the reader user of ``sql/08_setup_hub_reader.sql`` when it exists (not testable here: no server).

    ``EXECUTE AS ... WITH NO REVERT`` cannot be undone by the query, so the connection
    is thrown away afterwards instead of going back to the pool.
    """
    user = checked_role_name(role or MSSQL_HUB_READER)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.timeout = max(1, int(timeout_s))
        cursor = raw.cursor()
        switched = False
        try:
            cursor.execute("SELECT 1 FROM sys.database_principals WHERE name = ?", user)
            if cursor.fetchone() is not None:
                cursor.execute(f"EXECUTE AS USER = N'{user}' WITH NO REVERT")
                switched = True
            else:
                _warn_weaker(user)
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = fetch_bounded(cursor, limits)
        finally:
            cursor.close()
            if switched:
                conn.invalidate()
            else:
                conn.rollback()
    return QueryResult(columns, rows)


#: One runner per way a warehouse keeps the hub from writing (``DialectTraits.read_only_guard``).
_RUNNERS = {"file": _sqlite_run, "role": _postgres_run, "user": _mssql_run}


def run_readonly(
    engine: Engine,
    sql: str,
    *,
    max_rows: int = 1000,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    limits: ResultLimits | None = None,
    reader_role: str | None = None,
) -> QueryResult:
    """Run one statement on a read-only connection of ``engine``'s warehouse; errors become :class:`QueryFailed`.

    ``limits`` bounds rows and bytes (``max_rows`` alone keeps the default byte bounds);
    ``reader_role`` names the PostgreSQL role to run as (None: the default name).
    """
    facts = known_traits(engine.dialect)
    runner = _RUNNERS.get(facts.read_only_guard) if facts is not None else None
    if runner is None:
        raise QueryFailed(f"The hub cannot run read-only queries on {engine.dialect.name}.")
    limits = limits or ResultLimits(max_rows=max_rows)
    try:
        return runner(engine, sql, limits, timeout_s, reader_role)
    except QueryFailed:
        raise
    except AnswerTooLarge as exc:
        raise QueryFailed(str(exc), resolution=exc.resolution) from exc
    except EltError:
        raise
    except Exception as exc:
        if ANSWER_TOO_LARGE_MARK in str(getattr(exc, "orig", None) or exc):
            too_large = answer_too_large(limits)
            raise QueryFailed(str(too_large), resolution=too_large.resolution) from exc
        raise QueryFailed(f"The database refused the query: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
