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


def kind_of(value: Any) -> str:
    """Coarse kind of a Python value; bool before int because bool is an int."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, (float, Decimal)):
        return "float"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, (dict, list, tuple)):
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


def convert(value: Any, type_: pa.DataType) -> Any:
    """A value made to fit its column's planned type (empty text is null)."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if pa.types.is_string(type_):
        return value if isinstance(value, str) else as_text(value)
    if pa.types.is_floating(type_):
        return float(value)
    if pa.types.is_timestamp(type_) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


class ColumnPlan:
    """Column names in first-seen order and the kinds of values seen in each."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.kinds: dict[str, set[str]] = {name: set() for name in names}

    def observe(self, row: dict[str, Any]) -> None:
        for name, value in row.items():
            kinds = self.kinds.get(name)
            if kinds is None:
                kinds = self.kinds[name] = set()
            if value is not None and value != "":
                kinds.add(kind_of(value))

    def schema(self) -> pa.Schema:
        return pa.schema([(name, arrow_type(kinds)) for name, kinds in self.kinds.items()])


def to_batch(rows: list[dict[str, Any]], schema: pa.Schema, *, source: str) -> pa.RecordBatch:
    """One record batch of ``rows`` with the planned ``schema``."""
    arrays = []
    for field in schema:
        values = [convert(row.get(field.name), field.type) for row in rows]
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
