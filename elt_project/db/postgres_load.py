"""Appending Arrow batches to a PostgreSQL table with ``COPY``, in one transaction.

Two encodings, chosen per load:

- **Binary, through ADBC** (``adbc_driver_postgresql``) for big loads in which every
  Arrow column can be given exactly the binary form of its target column
  (:mod:`elt_project.db.binary_copy`: text, integers of each width, doubles, exact
  decimals, dates, booleans, timestamps). The driver encodes in C++ and the server
  stores field bytes without parsing CSV, which takes about 15–20 % off a 1M-row
  staging load (``bench/ingest.py``). Binary COPY has no casts, so a pairing without
  an exact conversion (a float into NUMERIC or REAL) is never sent this way: its
  bytes would be misread rather than refused.
- **CSV, through psycopg** for everything else and for small loads, where opening a
  second connection costs more than it saves. The server casts the text to each
  column's type, so typed staging tables work.

Either way NULL stays apart from the empty string, nothing is committed unless every
batch arrived, and an error raised while producing the batches (a bad line in the
file) reaches the caller as itself.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import queue
import threading
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db import adbc_ingest, binary_copy

#: Rows per CSV chunk written to COPY (about 1.5 MB of text), and per batch handed to
#: the ADBC driver (which buffers one batch's encoding): small pieces keep RSS flat.
COPY_CHUNK_ROWS = 8_192


def load(engine: Engine, table: sa.Table, batches: Iterator[pa.RecordBatch], *, binary: bool) -> int:
    """Append ``batches`` to ``table``; ``binary`` allows the ADBC path when the columns fit it."""
    first = next(batches, None)
    if first is None:
        return 0
    adapters = binary_copy.plan(table, first.schema) if binary and adbc_available() else None
    if adapters is not None:
        try:  # the first batch tells whether the values convert; a later failure stops the load
            first = binary_copy.adapt(first, adapters)
        except ValueError:
            adapters = None
    if adapters is not None:
        handles = _adbc_connect(engine)
        if handles is not None:
            adapted = (binary_copy.adapt(batch, adapters) for batch in batches)
            return _binary_load(handles, table, first, adapted)
    return _csv_load(engine, table, first, batches)


def adbc_available() -> bool:
    """True when the ADBC PostgreSQL driver is installed."""
    try:
        import adbc_driver_postgresql  # noqa: F401
    except ImportError:
        return False
    return True


def libpq_uri(engine: Engine) -> str:
    """The engine's URL as a libpq URI (query options such as ``options`` pass through)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pieces(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for start in range(0, batch.num_rows, COPY_CHUNK_ROWS):
            yield batch.slice(start, COPY_CHUNK_ROWS)


def _adbc_connect(engine: Engine) -> tuple | None:
    """(database, connection) handles, or None when the driver cannot connect where psycopg can.

    The binary path is only a faster way to the same rows: a URL option libpq rejects
    or an authentication method the bundled libpq lacks falls back to CSV, not to an error.
    """
    import adbc_driver_manager
    import adbc_driver_postgresql

    try:
        database = adbc_driver_postgresql.connect(libpq_uri(engine))
    except adbc_driver_manager.Error:
        return None
    try:
        return database, adbc_driver_manager.AdbcConnection(database)
    except adbc_driver_manager.Error:
        database.close()
        return None


def _binary_load(handles: tuple, table: sa.Table, first: pa.RecordBatch, rest: Iterator) -> int:
    import adbc_driver_manager

    database, connection = handles
    failure: list[BaseException] = []
    sent = {"rows": 0}

    def produced() -> Iterator[pa.RecordBatch]:
        # The driver turns an exception from the stream into its own error; keep the
        # original so the caller sees e.g. the parser's "line 7 has 3 fields". No
        # prefetch thread here: the server is the slower side, and a batch parsed
        # ahead only added ~20 MB of peak RSS.
        try:
            for piece in _pieces(itertools.chain([first], rest)):
                sent["rows"] += piece.num_rows
                yield piece
        except Exception as exc:
            failure.append(exc)
            raise

    reader = pa.RecordBatchReader.from_batches(first.schema, produced())
    try:
        connection.set_autocommit(False)  # one transaction: all batches or none
        adbc_ingest.append(connection, table.name, reader, db_schema=table.schema)
        connection.commit()
    except BaseException as exc:
        with contextlib.suppress(adbc_driver_manager.Error):
            connection.rollback()  # on a lost connection this fails too; the first error is the one to report
        if failure:
            raise failure[0] from None
        if isinstance(exc, adbc_driver_manager.Error):
            raise RuntimeError(server_message(exc)) from exc  # the driver's error stays as the cause
        raise
    finally:
        connection.close()
        database.close()
    return sent["rows"]


def server_message(exc: BaseException) -> str:
    """The server's own sentence from an ADBC error, without the driver's prefixes.

    ``INVALID_DATA: [libpq] Failed to execute COPY statement: PGRES_FATAL_ERROR ERROR:
    value too long for type character varying(5)`` → ``value too long for type
    character varying(5)``, the same sentence the CSV path reports.
    """
    text = str(exc)
    if "ERROR:" in text:
        text = text.split("ERROR:", 1)[1]
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def _csv_load(engine: Engine, table: sa.Table, first: pa.RecordBatch, rest: Iterator) -> int:
    preparer = engine.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in first.schema.names)
    statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN (FORMAT csv)"
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")

    def csv_chunks() -> Iterator[tuple[int, memoryview]]:
        # Small chunks: the text of a whole batch was copied again by psycopg and
        # libpq, and several were alive at once with the prefetch thread.
        for piece in _pieces(itertools.chain([first], rest)):
            buffer = io.BytesIO()
            # Strings are always quoted and nulls written as nothing, so COPY keeps
            # empty strings and NULLs apart.
            pa_csv.write_csv(piece, buffer, options)
            yield piece.num_rows, buffer.getbuffer()

    rows = 0
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for count, chunk in prefetch(csv_chunks()):
                copy.write(chunk)
                rows += count
    return rows


def prefetch(items: Iterator, depth: int = 1) -> Iterator:
    """Produce ``items`` in a background thread, ``depth`` ahead of the consumer.

    Parsing and encoding (Arrow, GIL released) then overlap with the network writes
    of COPY. An exception in the producer is re-raised in the consumer; a consumer
    that stops early makes the producer stop at its next item.
    """
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((None, item)):
                    return
            put((None, done))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put((exc, None))

    worker = threading.Thread(target=produce, name="elt-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            error, item = box.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)
