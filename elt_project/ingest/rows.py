"""Python rows (dicts) → Arrow batches with ONE schema for the whole file.

Excel cells and JSON values come as Python objects whose types can vary down a
column ("N/A" in a numeric column). Inferring per batch would give batches with
different schemas, which a bulk loader cannot take. So the column types are
planned from all rows: when the file fits in one batch that costs nothing (the
rows are already in memory); when it does not, the rows are scanned once for
types and read again for data, keeping memory flat.

Planned types: only bools → bool; only ints → int64; ints/floats → float64;
datetimes (with dates) → timestamp; only dates → date32; anything mixed, text,
times → string; nested values (lists, objects) → their JSON text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import pyarrow as pa

from elt_project.errors import SourceFileError
from elt_project.ingest.base import empty_batch

RowSource = Callable[[], Iterator[dict[str, Any]]]


def kind_of_type(type_: type) -> str:
    """Coarse kind of a Python type; bool before int because bool is an int."""
    if issubclass(type_, bool):
        return "bool"
    if issubclass(type_, int):
        return "int"
    if issubclass(type_, (float, Decimal)):
        return "float"
    if issubclass(type_, dt.datetime):
        return "datetime"
    if issubclass(type_, dt.date):
        return "date"
    if issubclass(type_, (dict, list, tuple)):
        return "nested"
    return "str"


def arrow_type(kinds: set[str]) -> pa.DataType:
    """The Arrow type for a column whose values had these kinds (see module docstring)."""
    if kinds == {"bool"}:
        return pa.bool_()
    if kinds == {"int"}:
        return pa.int64()
    if kinds and kinds <= {"int", "float"}:
        return pa.float64()
    if kinds and kinds <= {"datetime", "date"} and "datetime" in kinds:
        return pa.timestamp("us")
    if kinds == {"date"}:
        return pa.date32()
    return pa.string()


def as_text(value: Any) -> str:
    """Text of a value in a text column: JSON for nested values, ISO for dates, 3 not 3.0."""
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ColumnPlan:
    """Column names in first-seen order and the Python types of the values seen in each.

    Types, not kinds, are collected: ``set.add(type(v))`` is the cheapest per-cell
    step, and the mapping to kinds happens once per column when the schema is built.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.types: dict[str, set[type]] = {name: set() for name in names}

    def observe(self, row: dict[str, Any]) -> None:
        types = self.types
        for name, value in row.items():
            seen = types.get(name)
            if seen is None:
                seen = types[name] = set()
            seen.add(type(value))

    def schema(self) -> pa.Schema:
        fields = []
        for name, seen in self.types.items():
            kinds = {kind_of_type(t) for t in seen if t is not type(None)}
            fields.append(pa.field(name, arrow_type(kinds)))
        return pa.schema(fields)


def column_values(values: list[Any], type_: pa.DataType) -> list[Any]:
    """Values made to fit the planned type: text for text columns ("" → null), floats, datetimes."""
    if pa.types.is_string(type_):
        return [
            None if value is None or value == "" else value if type(value) is str else as_text(value)
            for value in values
        ]
    if pa.types.is_floating(type_) and any(isinstance(v, Decimal) for v in values):
        return [None if value is None else float(value) for value in values]
    if pa.types.is_timestamp(type_):
        return [
            value
            if value is None or isinstance(value, dt.datetime)
            else dt.datetime(value.year, value.month, value.day)
            for value in values
        ]
    return values


def to_batch(rows: list[dict[str, Any]], schema: pa.Schema, *, source: str) -> pa.RecordBatch:
    """One record batch of ``rows`` with the planned ``schema``."""
    arrays = []
    for field in schema:
        name = field.name
        values = column_values([row.get(name) for row in rows], field.type)
        try:
            arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise SourceFileError(
                f"{source}: column '{field.name}' holds a value that does not fit {field.type} ({exc}); "
                "fix the value in the file."
            ) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def typed_batches(
    open_rows: RowSource, *, batch_rows: int, source: str, names: Iterable[str] = ()
) -> Iterator[pa.RecordBatch]:
    """Yield batches of ``open_rows()`` with one planned schema (see module docstring).

    ``open_rows`` must be callable twice: a file larger than one batch is read twice.
    ``names`` fixes the column order (Excel header); JSON discovers keys as it goes.
    Empty strings are nulls, as in the delimited parsers.
    """
    names = list(names)
    first: list[dict[str, Any]] = []
    plan = ColumnPlan(names)
    rows = open_rows()
    for row in rows:
        plan.observe(row)
        first.append(row)
        if len(first) > batch_rows:
            break
    else:  # the whole file fitted: plan from what is in memory
        schema = plan.schema()
        if not first:
            yield empty_batch(schema)
            return
        yield from _emit(iter(first), schema, batch_rows, source)
        return
    for row in rows:  # finish the type scan without keeping rows
        plan.observe(row)
    first.clear()
    close = getattr(rows, "close", None)
    if close is not None:
        close()  # release the first pass's file before the second opens it
    yield from _emit(open_rows(), plan.schema(), batch_rows, source)


def _emit(rows: Iterator[dict[str, Any]], schema: pa.Schema, batch_rows: int, source: str) -> Iterator[pa.RecordBatch]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch_rows:
            yield to_batch(chunk, schema, source=source)
            chunk = []
    if chunk:
        yield to_batch(chunk, schema, source=source)
