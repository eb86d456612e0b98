"""Binary ``COPY`` of Arrow batches on the caller's own PostgreSQL connection and transaction.

The ADBC path of :mod:`.postgres_load` encodes in C++ but needs a connection of its
own, so what it writes commits apart from everything else. Loading straight into a
destination must share one transaction with the ledger and the run log; here the
batches are encoded by ``pgpq`` (Rust, no per-row Python) and written through the
psycopg connection the engine already holds, so ``COPY`` is one more statement of
that transaction.

A column is sent only in the exact binary form of its target
(:func:`elt_project.db.binary_copy.adapter_for`), plus two conversions the staged
text allows: decimal integer text into integer columns and decimal text into
``DOUBLE PRECISION`` (Arrow and PostgreSQL both read such text to the nearest
double). A value Arrow cannot convert raises :class:`NotBinary`; the caller then takes
the path where the server casts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db import binary_copy

#: Rows encoded per piece: small pieces keep the encoded bytes (a few MB) off the peak RSS.
PIECE_ROWS = 8_192


class NotBinary(Exception):
    """A column or value has no exact binary form for its target column."""


def available(engine: Engine) -> bool:
    """True when ``engine`` is PostgreSQL and the ``pgpq`` encoder is installed."""
    if engine.dialect.name != "postgresql":
        return False
    try:
        import pgpq  # noqa: F401
    except ImportError:
        return False
    return True


def _text_to(arrow_type: pa.DataType) -> binary_copy.Adapter:
    def cast(values: pa.Array) -> pa.Array:
        return pc.cast(values, arrow_type, safe=True)

    return cast


def adapter_for(column_type: sa.types.TypeEngine[Any], arrow_type: pa.DataType) -> binary_copy.Adapter | None:
    """How an Arrow column of ``arrow_type`` reaches ``column_type`` exactly (None: it cannot)."""
    is_text = pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    if is_text and isinstance(column_type, sa.Integer) and not isinstance(column_type, sa.Enum):
        width = pa.int64() if isinstance(column_type, sa.BigInteger) else None
        width = width or (pa.int16() if isinstance(column_type, sa.SmallInteger) else pa.int32())
        return _text_to(width)
    if is_text and isinstance(column_type, sa.Double):
        return _text_to(pa.float64())
    return binary_copy.adapter_for(column_type, arrow_type)


def plan(columns: list[sa.Column[Any]], schema: pa.Schema) -> list[binary_copy.Adapter] | None:
    """One adapter per (target column, Arrow field) pair, or None when one has no exact form."""
    return binary_copy.plan_pairs(columns, schema, adapter_for)


def adapt(batch: pa.RecordBatch, adapters: list[binary_copy.Adapter]) -> pa.RecordBatch:
    """``batch`` in its targets' binary forms; raises :class:`NotBinary` on a value that does not convert."""
    try:
        return binary_copy.adapt(batch, adapters)
    except ValueError as exc:
        raise NotBinary(str(exc)) from exc


def copy_batches(conn: Connection, table: sa.Table, columns: list[str], batches: Iterator[pa.RecordBatch]) -> int:
    """``COPY table (columns) FROM STDIN (FORMAT binary)`` of ``batches``, on ``conn``; returns the rows sent.

    Every batch must already be in its targets' binary forms (:func:`adapt`) and have
    the same schema. Nothing is committed here: the caller's transaction decides.
    """
    import pgpq

    first = next(batches, None)
    if first is None:
        return 0
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN (FORMAT binary)"
    encoder = pgpq.ArrowToPostgresBinaryEncoder(first.schema)
    rows = 0
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(encoder.write_header())
        for batch in itertools.chain([first], batches):
            for start in range(0, batch.num_rows, PIECE_ROWS):
                piece = batch.slice(start, PIECE_ROWS)
                copy.write(encoder.write_batch(piece))
                rows += piece.num_rows
        copy.write(encoder.finish())
    return rows
