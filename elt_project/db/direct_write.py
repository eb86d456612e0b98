"""Which warehouse write the direct path uses, and the contract every such writer keeps.

The direct path (:mod:`elt_project.pipeline.direct_load`) parses, checks and shapes a
file the same way on every warehouse; only the write differs. A writer is made for one
run on the connection whose transaction also marks the files LOADED, and is used as:

1. ``plan(columns, schema)`` once per file: one adapter per destination column that
   gives the file's Arrow column that column's exact type, or None (the staged flow
   then loads the file, where the server casts);
2. ``adapt(batch, adapters)`` per batch, raising :class:`NotExact` on a value that
   does not convert;
3. ``write(columns, batches)`` per file, returning the rows sent;
4. ``finish()`` once, after every file: whatever is left to write, returning the rows
   a ``deduplication_key`` left out.

A writer also empties a ``replace`` destination (at the moment its warehouse is best
served) and says with ``deduplicates`` whether it can apply a ``deduplication_key``
itself; one that cannot leaves such imports to the staged flow.

- PostgreSQL: binary ``COPY`` into the destination (:mod:`.pg_binary`); ``TRUNCATE``
  first; no deduplication.
- SQL Server: ``fast_executemany`` into a session temp table, then one
  ``INSERT … SELECT`` or ``MERGE`` (:mod:`.mssql_bulk`).
- SQLite in a file: ``through_scratch`` — the direct path hands the staged batches to
  :mod:`.sqlite_scratch` (an unjournaled copy of staging, attached to the transaction)
  and copies them in with the built-in transform's INSERT … SELECT; the writer itself
  only empties a ``replace`` destination.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db import binary_copy, dialects, mssql_bulk, pg_binary, sqlite_scratch

#: Raised by ``adapt`` on a value with no exact form in its column's type (every writer shares the check).
NotExact = pg_binary.NotBinary


class Writer(Protocol):
    deduplicates: bool
    #: The rows go through a scratch staging table the direct path copies from (SQLite), not plan/adapt/write.
    through_scratch: bool

    def plan(self, columns: list[sa.Column[Any]], schema: pa.Schema) -> list[binary_copy.Adapter] | None: ...

    def adapt(self, batch: pa.RecordBatch, adapters: list[binary_copy.Adapter]) -> pa.RecordBatch: ...

    def write(self, columns: list[str], batches: Iterator[pa.RecordBatch]) -> int: ...

    def finish(self) -> int: ...


def supports(engine: Engine) -> tuple[bool, bool]:
    """(the warehouse has a direct writer, that writer applies a ``deduplication_key`` itself)."""
    if pg_binary.available(engine):
        return True, _PostgresWriter.deduplicates
    if mssql_bulk.available(engine):
        return True, mssql_bulk.Writer.deduplicates
    if sqlite_scratch.available(engine):
        return True, _ScratchWriter.deduplicates
    return False, False


def open_writer(
    conn: Connection, destination: sa.Table, *, load_method: str, deduplication_key: Sequence[str] = ()
) -> Writer:
    """The writer of ``conn``'s warehouse for one run (call only where :func:`supports` said yes)."""
    if conn.dialect.name == "mssql":
        return mssql_bulk.Writer(conn, destination, load_method=load_method, deduplication_key=deduplication_key)
    if deduplication_key and load_method == "append":
        raise ValueError("this warehouse's direct writer does not apply a deduplication_key")
    if conn.dialect.name == "sqlite":
        return _ScratchWriter(conn, destination, load_method=load_method)
    return _PostgresWriter(conn, destination, load_method=load_method)


class _PostgresWriter:
    """Binary ``COPY`` straight into the destination, after the ``TRUNCATE`` of a ``replace`` one."""

    deduplicates = False
    through_scratch = False

    def __init__(self, conn: Connection, destination: sa.Table, *, load_method: str) -> None:
        self.conn, self.destination = conn, destination
        if load_method == "replace":
            dialects.truncate(conn, destination)

    def plan(self, columns: list[sa.Column[Any]], schema: pa.Schema) -> list[binary_copy.Adapter] | None:
        return pg_binary.plan(columns, schema)

    def adapt(self, batch: pa.RecordBatch, adapters: list[binary_copy.Adapter]) -> pa.RecordBatch:
        return pg_binary.adapt(batch, adapters)

    def write(self, columns: list[str], batches: Iterator[pa.RecordBatch]) -> int:
        return pg_binary.copy_batches(self.conn, self.destination, columns, batches)

    def finish(self) -> int:
        return 0


class _ScratchWriter(_PostgresWriter):
    """SQLite: empties a ``replace`` destination; the rows go through :mod:`.sqlite_scratch` instead."""

    through_scratch = True

    def plan(self, columns: list[sa.Column[Any]], schema: pa.Schema) -> list[binary_copy.Adapter] | None:
        raise NotImplementedError("SQLite's direct rows go through sqlite_scratch.fill")

    def adapt(self, batch: pa.RecordBatch, adapters: list[binary_copy.Adapter]) -> pa.RecordBatch:
        raise NotImplementedError("SQLite's direct rows go through sqlite_scratch.fill")

    def write(self, columns: list[str], batches: Iterator[pa.RecordBatch]) -> int:
        raise NotImplementedError("SQLite's direct rows go through sqlite_scratch.fill")
