"""Telling a database or library failure apart by its type, at the engine's boundary.

The engine's entry points (:mod:`elt_project.pipeline.api`) meet whatever the driver,
SQLAlchemy or a library raises. What to do next depends on the kind, not the text:

- the connection broke or the database was busy (SQLAlchemy ``OperationalError``, a
  DBAPI error that invalidated its connection, a pool timeout) → :class:`TransientError`:
  Dagster retries the step with back-off (:mod:`elt_project.orchestration.assets`);
- the database does not know a table or column the code uses (``ProgrammingError``,
  SQLite's "no such table/column") → :class:`ConfigurationError`: the schema is behind
  the code, and ``elt db upgrade`` brings it up to date;
- anything else → :class:`InternalError`, which asks for a report; the detail (type,
  traceback) stays in the log, chained with ``raise ... from exc``.
"""

from __future__ import annotations

import sqlalchemy as sa

from elt_project.errors import ConfigurationError, EltError, InternalError, TransientError

#: Driver messages (lower case) that mean "the schema lacks something", whatever the exception class.
_MISSING_OBJECT = ("no such table", "no such column", "does not exist", "undefined table", "undefined column")


_SQLITE_TRANSIENT = ("locked", "busy", "disk i/o error", "unable to open database")


def classify(exc: BaseException, doing: str) -> EltError:
    """The project's error for ``exc``; ``doing`` completes "while ..." (e.g. "import 'x' was staging")."""
    if isinstance(exc, EltError):
        return exc
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = (detail[0] if detail else type(exc).__name__)[:200]
    if isinstance(exc, sa.exc.DBAPIError) and any(m in first.lower() for m in _MISSING_OBJECT):
        return _schema_behind(doing, first)
    if isinstance(exc, sa.exc.ProgrammingError):
        return _schema_behind(doing, first)
    if is_transient(exc, first):
        return TransientError(
            f"The warehouse connection failed or was busy while {doing} ({first}); the run is retried by "
            "itself, or run it again in a minute."
        )
    return InternalError(
        f"An unexpected {type(exc).__name__} stopped the run while {doing}; please report it with the "
        "run's log, which has the details."
    )


def is_transient(exc: BaseException, first: str) -> bool:
    """A broken connection, a busy or locked database, a pool timeout: worth trying again.

    SQLite raises ``OperationalError`` for syntax errors too, so from SQLite only "locked",
    "busy" and I/O failures count; a server driver's ``OperationalError`` is about the
    connection or the server's state (deadlock, cancelled statement), all worth a retry.
    """
    if isinstance(exc, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):
        return True
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa.exc.OperationalError):
        if type(exc.orig).__module__.startswith("sqlite3"):
            return any(m in first.lower() for m in _SQLITE_TRANSIENT)
        return True
    return False


def _schema_behind(doing: str, first: str) -> ConfigurationError:
    return ConfigurationError(
        f"The warehouse lacks a table or column this version uses while {doing} ({first}); "
        "run `python3 launch.py elt db upgrade`, then run again.",
        resolution="Run `python3 launch.py elt db upgrade` to bring the warehouse's metadata tables up to date, "
        "then run again.",
    )
