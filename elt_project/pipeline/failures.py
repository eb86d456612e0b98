"""Telling a database or library failure apart by its type, at the engine's boundary.

The bulk paths talk to the drivers directly (psycopg's COPY, ADBC, the SQLite loader
child), so their errors are not wrapped by SQLAlchemy: the driver's own error is found
in the exception's chain (``orig``, ``__cause__``, ``__context__``) and judged the same way.

The engine's entry points (:mod:`elt_project.pipeline.api`) meet whatever the driver,
SQLAlchemy or a library raises. What to do next depends on the kind, not the text:

- the disk under the warehouse or the data folder is full (``ENOSPC``, SQLite's
  ``SQLITE_FULL``, PostgreSQL's SQLSTATE 53100) → :class:`DiskFull`: a person frees
  space, then the file is retried;
- the connection broke or the database was busy (SQLAlchemy ``OperationalError``, a
  DBAPI error that invalidated its connection, a pool timeout) → :class:`TransientError`:
  Dagster retries the step with back-off (:mod:`elt_project.orchestration.assets`);
- the server refuses the login or does not know the database → :class:`ConfigurationError`
  at once (no retry): the URL or the login needs fixing;
- the database does not know a table or column the code uses (``ProgrammingError``,
  SQLite's "no such table/column") → :class:`ConfigurationError`: the schema is behind
  the code, and ``elt db upgrade`` brings it up to date;
- anything else → :class:`InternalError`, which asks for a report; the detail (type,
  traceback) stays in the log, chained with ``raise ... from exc``.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

import sqlalchemy as sa

from elt_project.errors import ConfigurationError, DiskFull, EltError, InternalError, TransientError

#: Driver messages (lower case) that mean "the schema lacks something", whatever the exception class.
_MISSING_OBJECT = ("no such table", "no such column", "does not exist", "undefined table", "undefined column")


#: A server's refusal of the login or the database itself (psycopg gives no SQLSTATE for these):
#: retrying cannot help, a person must fix the URL or the login.
_LOGIN_REFUSED = (
    "password authentication failed",
    "no pg_hba.conf entry",
    "login failed for user",
    'failed: fatal:  database "',
    'failed: fatal:  role "',
)

#: How a transient failure's sentence ends; a caller that retries by itself logs the sentence without it.
TRY_AGAIN = "; run the import again in a minute."
_SQLITE_TRANSIENT = ("locked", "busy", "disk i/o error", "unable to open database")
#: SQLite's SQLITE_FULL, as ``sqlite3`` reports it (code) and as the loader child relays it (text).
SQLITE_FULL = 13
_SQLITE_FULL_TEXT = "database or disk is full"
#: SQLSTATE classes of a server (PostgreSQL, and ADBC relaying it) worth a retry: connection
#: exception, operator intervention (a terminated backend, a shutdown), transaction rollback
#: (deadlock, serialization failure).
_TRANSIENT_SQLSTATE_CLASSES = ("08", "57", "40")
_DISK_FULL_SQLSTATE = "53100"


def classify(exc: BaseException, doing: str) -> EltError:
    """The project's error for ``exc``; ``doing`` completes "while ..." (e.g. "import 'x' was staging")."""
    if isinstance(exc, EltError):
        return exc
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = (detail[0] if detail else type(exc).__name__)[:200]
    if isinstance(exc, sa.exc.OperationalError) and any(m in first.lower() for m in _LOGIN_REFUSED):
        return ConfigurationError(
            f"The warehouse refused the connection while {doing} ({first}); check DATABASE_URL (or "
            "DB_SERVER/DB_DATABASE and the login), then run again.",
            resolution="Check DATABASE_URL (or DB_SERVER/DB_DATABASE and the login), then run again.",
        )
    if isinstance(exc, sa.exc.DBAPIError) and any(m in first.lower() for m in _MISSING_OBJECT):
        return _schema_behind(doing, first)
    if isinstance(exc, sa.exc.ProgrammingError):
        return _schema_behind(doing, first)
    if is_disk_full(exc):
        return DiskFull(
            f"The disk is full: no space was left while {doing} ({first}); free space on the disk that holds "
            "the warehouse or the data folder, then run the import again."
        )
    if is_transient(exc, first):
        return TransientError(f"The warehouse connection failed or was busy while {doing} ({first}){TRY_AGAIN}")
    return InternalError(
        f"An unexpected {type(exc).__name__} stopped the run while {doing}; please report it with the "
        "run's log, which has the details."
    )


def is_transient(exc: BaseException, first: str) -> bool:
    """A broken connection, a busy or locked database, a pool timeout: worth trying again.

    SQLite raises ``OperationalError`` for syntax errors too, so from SQLite only "locked",
    "busy" and I/O failures count; a server driver's ``OperationalError`` is about the
    connection or the server's state (deadlock, cancelled statement), all worth a retry.
    A full disk is not transient: it stays full until someone frees space.
    """
    if is_disk_full(exc):
        return False
    if isinstance(exc, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa.exc.OperationalError):
        if type(exc.orig).__module__.startswith("sqlite3"):
            return any(m in first.lower() for m in _SQLITE_TRANSIENT)
        return True
    for cause in _chain(exc):
        module = type(cause).__module__
        if module.startswith("sqlite3") or getattr(cause, "sqlite_loader", False):
            return any(m in str(cause).lower() for m in _SQLITE_TRANSIENT)
        if module.startswith(("psycopg", "adbc_driver")):
            state = getattr(cause, "sqlstate", None) or ""
            if state:
                return state[:2] in _TRANSIENT_SQLSTATE_CLASSES
            return type(cause).__name__ == "OperationalError"  # no server answer: the connection itself failed
    return False


def is_disk_full(exc: BaseException) -> bool:
    """No space left where the load writes: ENOSPC, SQLITE_FULL or PostgreSQL's disk_full, anywhere in the chain."""
    for cause in _chain(exc):
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return True
        if getattr(cause, "sqlite_errorcode", None) == SQLITE_FULL or getattr(cause, "sqlstate", None) == (
            _DISK_FULL_SQLSTATE
        ):
            return True
        module = type(cause).__module__
        if (module.startswith("sqlite3") or getattr(cause, "sqlite_loader", False)) and _SQLITE_FULL_TEXT in str(
            cause
        ).lower():
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, the DBAPI error SQLAlchemy wraps, and the errors it was raised from or during."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]


def _schema_behind(doing: str, first: str) -> ConfigurationError:
    return ConfigurationError(
        f"The warehouse lacks a table or column this version uses while {doing} ({first}); "
        "run `python3 launch.py elt db upgrade`, then run again.",
        resolution="Run `python3 launch.py elt db upgrade` to bring the warehouse's metadata tables up to date, "
        "then run again.",
    )
