"""Arrow columns in the exact binary form of their PostgreSQL target columns.

Binary ``COPY`` (through the ADBC driver) sends each field's bytes as the Arrow type
encodes them and the server does no casting, so a column is sent that way only when
an exact conversion in Arrow gives its target's own type:

============================  =====================================  ================================
Arrow column                  target column                          sent as
============================  =====================================  ================================
string / large_string         VARCHAR, TEXT, CHAR                    as it is
string (decimal text)         NUMERIC(p, s), p <= 38                 decimal128(p, s), parsed exactly
string (ISO ``YYYY-MM-DD``)   DATE                                   date32
string (true/false words)     BOOLEAN                                bool (the words the engine accepts)
int64 / int32 / int16         BIGINT, INTEGER, SMALLINT, NUMERIC     the target's width, overflow refused
float64                       DOUBLE PRECISION                       float64 (the same IEEE bytes)
bool, date32, timestamp       BOOLEAN, DATE, TIMESTAMP[TZ]           as they are (µs)
============================  =====================================  ================================

Every other pairing (a float into NUMERIC or REAL, text into TIMESTAMP, a NUMERIC
without a scale, an enum) has no exact binary form here: the whole load then goes as
CSV, where the server parses the text itself. A value that cannot be converted (a
decimal wider than its column) stops the load in one sentence, as the server would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from elt_project.db.boolean_words import FALSE_WORDS, TRUE_WORDS

Adapter = Callable[[pa.Array], pa.Array]


def _same(values: pa.Array) -> pa.Array:
    return values


def _cast_to(arrow_type: pa.DataType) -> Adapter:
    def cast(values: pa.Array) -> pa.Array:
        return values if values.type == arrow_type else pc.cast(values, arrow_type, safe=True)

    return cast


def _words_to_bool(values: pa.Array) -> pa.Array:
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    known = pc.is_in(lowered, value_set=pa.array([*TRUE_WORDS, *FALSE_WORDS]))
    if pc.any(pc.and_(pc.is_valid(values), pc.invert(known))).as_py():
        raise ValueError("a value of a BOOLEAN column is none of the true/false spellings")
    return pc.if_else(pc.is_valid(values), pc.is_in(lowered, value_set=pa.array(list(TRUE_WORDS))), None)


def _is_text(arrow_type: pa.DataType) -> bool:
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def _decimal_type(column_type: sa.Numeric) -> pa.DataType | None:
    precision, scale = column_type.precision, column_type.scale
    if precision is None or scale is None or not 0 < precision <= 38:
        return None  # unconstrained NUMERIC keeps the text's own scale: only the server knows it
    return pa.decimal128(precision, scale)


def adapter_for(column_type: sa.types.TypeEngine, arrow_type: pa.DataType) -> Adapter | None:
    """How to give an Arrow column of ``arrow_type`` the binary form of ``column_type`` (None: no exact way)."""
    if isinstance(column_type, sa.Enum):
        return None
    if isinstance(column_type, sa.String):
        return _same if _is_text(arrow_type) else None
    if isinstance(column_type, sa.Boolean):
        if pa.types.is_boolean(arrow_type):
            return _same
        return _words_to_bool if _is_text(arrow_type) else None
    if isinstance(column_type, sa.Integer):
        if not pa.types.is_integer(arrow_type):
            return None
        if isinstance(column_type, sa.BigInteger):
            return _cast_to(pa.int64())
        if isinstance(column_type, sa.SmallInteger):
            return _cast_to(pa.int16())
        return _cast_to(pa.int32())
    if isinstance(column_type, sa.Float):
        is_double = isinstance(column_type, sa.Double)  # float8 on both sides: the same IEEE bytes
        return _same if is_double and pa.types.is_float64(arrow_type) else None
    if isinstance(column_type, sa.Numeric):
        decimal = _decimal_type(column_type)
        if decimal is None:
            return None
        if _is_text(arrow_type) or pa.types.is_integer(arrow_type) or pa.types.is_decimal(arrow_type):
            return _cast_to(decimal)
        return None
    if isinstance(column_type, sa.DateTime):
        if not pa.types.is_timestamp(arrow_type):
            return None
        with_zone = bool(getattr(column_type, "timezone", False))
        if with_zone != (arrow_type.tz is not None):
            return None
        return _cast_to(pa.timestamp("us", tz=arrow_type.tz))
    if isinstance(column_type, sa.Date):
        if pa.types.is_date32(arrow_type) or _is_text(arrow_type):
            return _cast_to(pa.date32())
        return None
    return None


def plan(table: sa.Table, schema: pa.Schema) -> list[Adapter] | None:
    """One adapter per Arrow column, or None when some column has no exact binary form."""
    adapters = []
    for field in schema:
        column = table.c.get(field.name)
        if column is None:
            return None
        adapter = adapter_for(column.type, field.type)
        if adapter is None:
            return None
        adapters.append(adapter)
    return adapters


def plan_pairs(
    columns: list[sa.Column[Any]],
    schema: pa.Schema,
    adapter_of: Callable[[sa.types.TypeEngine[Any], pa.DataType], Adapter | None],
) -> list[Adapter] | None:
    """One adapter per (target column, Arrow field) pair from a warehouse's ``adapter_of``, or None
    when one pair has no exact form (the file then takes the staged flow, where the server casts)."""
    adapters = []
    for column, field in zip(columns, schema, strict=True):
        adapter = adapter_of(column.type, field.type)
        if adapter is None:
            return None
        adapters.append(adapter)
    return adapters


def adapt(batch: pa.RecordBatch, adapters: list[Adapter]) -> pa.RecordBatch:
    """``batch`` with every column in its target's binary form; raises ValueError on a value that does not fit."""
    if all(adapter is _same for adapter in adapters):
        return batch
    try:
        columns = [adapter(column) for adapter, column in zip(adapters, batch.columns)]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ValueError(str(exc).strip().splitlines()[0]) from exc
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
