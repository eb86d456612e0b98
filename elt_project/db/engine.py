"""Creating the one warehouse engine that the rest of the process shares.

SQLite is tuned for several processes at once (Dagster run workers, the web runner,
the hub): WAL journal so readers never block the writer, and a busy timeout so a
second writer waits instead of failing with "database is locked".

``secure_delete=FAST``: Debian's system SQLite (the one Python's ``sqlite3`` uses)
is built with SECURE_DELETE on, so every DELETE overwrote each freed page with
zeros — purging a run's 1M staged rows wrote ~200 MB to the WAL and back (~1.5 s).
FAST still zeroes deleted content on pages that are written anyway, but no longer
rewrites whole freed pages. Nothing is lost by it: staged rows are copies of source
files the warehouse keeps (archive folder, destination table), and durability and
crash safety do not depend on this setting.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from elt_project.errors import WarehouseUnavailable
from elt_project.private_files import private_file, tighten

SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_warehouse_engine(url: URL | str, *, check: bool = False) -> Engine:
    """Make an engine for ``url``; with ``check``, connect once and fail with a clear message.

    ``postgresql://`` URLs without a driver get psycopg 3 explicitly, because the
    installed psycopg2 (pulled in by dagster-postgres) and SQLAlchemy disagree on
    the default.
    """
    url = sa.make_url(url) if isinstance(url, str) else url
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    kwargs: dict = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
            _private_sqlite(Path(url.database))
        kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    elif url.get_backend_name() == "mssql":
        kwargs["fast_executemany"] = True
    try:
        engine = sa.create_engine(url, **kwargs)
    except ImportError as exc:  # the driver or the system library below it is not installed
        raise WarehouseUnavailable(
            f"The {url.get_backend_name()} database driver cannot be loaded ({exc}); install it "
            "(SQL Server needs the Microsoft ODBC Driver for SQL Server) and start again."
        ) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
    if check:
        check_connection(engine)
    return engine


def _private_sqlite(path: Path) -> None:
    """The warehouse file holds password hashes and all loaded data: owner-only, made so before SQLite opens it.

    SQLite gives the -wal, -shm and -journal files it creates the mode of the database file;
    ones left from before this rule are tightened too.
    """
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=FAST")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Connect once; translate any driver error into one sentence without secrets."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise WarehouseUnavailable(
            f"Cannot connect to the warehouse at {where}; check DATABASE_URL (or DB_SERVER/DB_DATABASE) "
            "and that the database server is running."
        ) from exc
