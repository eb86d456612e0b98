"""SQLite's direct path: a file's rows in a throwaway copy of the staging table, copied into the destination.

On PostgreSQL the direct path writes each row once, by binary ``COPY`` on the
transaction's own connection. SQLite has no such statement: from Python a row reaches
a table through ``sqlite3.executemany``, one bound value at a time, and for the
benchmark's 1M rows x 12 columns that write alone took 5.2–5.8 s, more than the whole
staged flow (4.5 s; docs/engine.md has the figures), whose staging write is ADBC's (C,
Arrow batches bound directly).
ADBC cannot write into the warehouse connection's transaction (SQLite: one connection,
one transaction; and its bundled SQLite library must not open the warehouse file in
this process, :mod:`.bulk_load`), so here it writes the batches, exactly as a staged
load would write them, into a fresh file holding only a copy of the staging table,
with no journal and no fsync (nothing reads the file before it is complete, and a crash
loses only the file). The warehouse connection then ATTACHes the file inside the direct
path's one transaction, and the built-in transform's INSERT…SELECT copies the rows into
the destination.

So the rows land as the staged flow lands them, by construction: the same ADBC (or,
for a small file, executemany) write, the same declared column types (the staging
table's own ``CREATE TABLE``), the same SQL casts — except that text for a REAL or
NUMERIC destination column is parsed in Arrow, beside it, instead of by Python's
``float`` once per value in SQL (:func:`_with_reals` says why that gives the same double).
What the warehouse no longer does: write the staged rows with their lineage columns to
the WAL and checkpoint them, and delete them afterwards; and no loader child starts or
reads a pipe.

The file lives beside the warehouse (same disk, same "disk full"), is removed as soon
as it is attached (SQLite reads it through the open handle), and is detached when the
connection goes back to the pool. One left by a killed run is removed by the next run.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from elt_project.db import adbc_ingest, dialects, exact_casts, postgres_load
from elt_project.db import bulk_load as bulk_load_child

#: The schema names the scratch files are attached under: ``elt_direct_1``, ``_2``, … (one per file of a run;
#: SQLite attaches at most 10 databases, so a run of more files fails here and goes the staged way).
ALIAS = "elt_direct"
_quote = sqlite_dialect.dialect().identifier_preparer.quote
_PREFIX = ".elt-direct-"
_ATTACHED = "elt_direct_attached"


def available(engine: Engine) -> bool:
    """True for a SQLite warehouse in a file (an in-memory database has no folder for the scratch file)."""
    return engine.dialect.name == "sqlite" and _warehouse_path(engine) is not None


def fill(
    conn: Connection, staging: sa.Table, destination: sa.Table, batches: Iterable[pa.RecordBatch]
) -> tuple[sa.Table, dict[str, str]]:
    """Write ``batches`` into a scratch copy of ``staging`` and attach it to ``conn``.

    ``batches`` are exactly what a staged load would append to ``staging``. Returns
    the scratch table (schema :data:`ALIAS`, read inside ``conn``'s transaction) and,
    for each text column feeding a REAL or NUMERIC column of ``destination``, the name
    of the column beside it holding the exact double of its text (:func:`_with_reals`).
    """
    warehouse = _warehouse_path(conn.engine)
    if warehouse is None:
        raise RuntimeError("the warehouse is not a SQLite file")
    remove_orphans(warehouse.parent)
    handle, name = tempfile.mkstemp(prefix=f"{_PREFIX}{os.getpid()}-", suffix=".db", dir=warehouse.parent)
    os.close(handle)
    path = Path(name)
    try:
        reals = _real_columns(staging, destination)
        batches = _with_reals(batches, reals)
        first = next(batches, None)
        reals = {name: extra for name, extra in reals.items() if first is not None and extra in first.schema.names}
        with contextlib.closing(sqlite3.connect(path)) as raw:
            raw.execute(_create_statement(conn, staging))
            for extra in reals.values():
                raw.execute(f"ALTER TABLE {_quote(staging.name)} ADD COLUMN {_quote(extra)} REAL")
            raw.commit()
        if first is not None and first.num_rows >= dialects.SQLITE_CHILD_MIN_ROWS and bulk_load_child.available():
            _append_in_process(path, staging.name, itertools.chain([first], batches))
        elif first is not None:  # a small file: executemany, as a small file is staged
            scratch = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)
            sa.event.listen(scratch, "connect", _unjournaled)
            try:
                dialects.bulk_load(scratch, staging, itertools.chain([first], batches))
            finally:
                scratch.dispose()
        alias = _attach(conn, path)
    finally:
        path.unlink(missing_ok=True)
    table = staging.to_metadata(sa.MetaData(), schema=alias)
    for extra in reals.values():
        table.append_column(sa.Column(extra, sa.Float()))
    return table, reals


def _real_columns(staging: sa.Table, destination: sa.Table) -> dict[str, str]:
    """Text staging column -> the scratch column for its exact double, where the destination's namesake is a real.

    The built-in transform parses such text with Python's ``float`` in SQL, one call
    per value (:mod:`.exact_casts`); the double is computed here in Arrow instead.
    """
    targets = {column.name.lower(): column for column in destination.columns}
    reals = {}
    for column in staging.columns:
        target = targets.get(column.name.lower())
        real = target is not None and exact_casts.number_kind(target.type) in ("float", "decimal")
        if real and isinstance(column.type, sa.String):
            reals[column.name] = f"elt_real__{column.name}"
    return reals


def _with_reals(batches: Iterable[pa.RecordBatch], reals: dict[str, str]) -> Iterator[pa.RecordBatch]:
    """Each batch plus, per text column of ``reals``, the double its text parses to.

    The text was checked by the conversion rules (:mod:`elt_project.pipeline.conversion`):
    a number that gives its own text back, null markers staged as NULL. For such text
    Arrow's parse and Python's ``float`` are both correctly rounded, so the double is
    the one ``elt_real`` would compute. A column that is not text (a workbook's native
    numbers are staged as SQLite writes them as text) keeps the transform's parse.
    """
    for batch in batches:
        names = list(batch.schema.names)
        columns = list(batch.columns)
        for name, extra in reals.items():
            if name in names and pa.types.is_string(batch.schema.field(name).type):
                text = pc.utf8_trim_whitespace(batch.column(name))
                columns.append(pc.cast(text, pa.float64()))
                names.append(extra)
        yield pa.RecordBatch.from_arrays(columns, names=names)


def _append_in_process(path: Path, table_name: str, batches: Iterable[pa.RecordBatch]) -> None:
    """ADBC ingest into the scratch file, here: a second SQLite library in the process, on a file only it opens.

    Two SQLite libraries in one process break each other's POSIX locks on a file both
    open (hence the loader child for staging); the scratch file is opened by ADBC's
    library alone until it is closed, and only then attached by Python's. Without the
    child there is no start-up and no copy through a pipe; the parsing runs in a
    thread of its own while ADBC inserts with the GIL released.
    """
    import adbc_driver_manager
    import adbc_driver_sqlite

    stream = postgres_load.prefetch(dialects.normalise_batch(batch) for batch in batches)
    first = next(stream)
    reader = pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], stream))
    database = adbc_driver_sqlite.connect(str(path))
    connection = adbc_driver_manager.AdbcConnection(database)
    try:
        adbc_ingest.execute(connection, "PRAGMA journal_mode=OFF")  # a scratch file: no journal, no fsync
        adbc_ingest.execute(connection, "PRAGMA synchronous=OFF")
        connection.set_autocommit(False)
        adbc_ingest.append(connection, table_name, reader)
        connection.commit()
    finally:
        connection.close()
        database.close()


def remove_orphans(folder: Path) -> None:
    """Remove scratch files whose process is gone (a run killed while its loader wrote one)."""
    for path in folder.glob(f"{_PREFIX}*.db"):
        pid = path.name[len(_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _warehouse_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).resolve()


def _create_statement(conn: Connection, staging: sa.Table) -> str:
    """The staging table's own ``CREATE TABLE`` text: the same declared types give the same stored values."""
    found = conn.exec_driver_sql(
        "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND lower(name) = lower(?)", (staging.name,)
    ).scalar()
    if not found:
        raise RuntimeError(f"staging table {staging.name} has no CREATE TABLE text")
    return str(found)


def _unjournaled(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=OFF")
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _attach(conn: Connection, path: Path) -> str:
    """ATTACH the scratch file inside the open transaction; DETACH (not allowed before the commit) on check-in."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    if not sa.event.contains(conn.engine, "checkin", _detach):
        sa.event.listen(conn.engine, "checkin", _detach)
    attached = conn.connection.info.setdefault(_ATTACHED, [])
    alias = f"{ALIAS}_{len(attached) + 1}"
    raw.execute(f"ATTACH DATABASE ? AS {_quote(alias)}", (str(path),))
    attached.append(alias)
    return alias


def _detach(dbapi_connection: sqlite3.Connection | None, record: ConnectionPoolEntry) -> None:
    """After the commit or rollback: let the scratch files go (their space is freed when SQLite closes them)."""
    aliases = record.info.pop(_ATTACHED, None)
    if dbapi_connection is None or not aliases:
        return
    try:
        for alias in aliases:
            dbapi_connection.execute(f"DETACH DATABASE {_quote(alias)}")
    except sqlite3.Error:
        record.invalidate()  # a connection that cannot let go of a file is closed instead
