"""Guess column types from the first rows of a sample file (for generated setup SQL).

Logical types: "integer", "float", "boolean", "date", "datetime", "string(N)".
Text columns are typed only when every sampled value fits; a code with a leading
zero ("007") stays text because a number column would lose the zero. N is the
longest value seen rounded up to a common width, so one longer value later does
not break the load.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

STRING_WIDTHS = (10, 20, 50, 100, 255, 500, 1000, 2000, 4000)
EMPTY_COLUMN_TYPE = "string(255)"

_INTEGER = re.compile(r"^[+-]?(0|[1-9]\d{0,17})$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
_BOOLEAN = {"true", "false", "yes", "no", "y", "n", "t", "f"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%b-%Y", "%Y%m%d")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z",
)


def string_type(max_length: int) -> str:
    """``string(N)`` with N the next common width (multiples of 4000 beyond 4000)."""
    for width in STRING_WIDTHS:
        if max_length <= width:
            return f"string({width})"
    return f"string({-(-max_length // 4000) * 4000})"


def _parses(value: str, formats: tuple[str, ...]) -> bool:
    for fmt in formats:
        try:
            datetime.strptime(value, fmt)
            return True
        except ValueError:
            continue
    return False


def _leading_zero(value: str) -> bool:
    digits = value.lstrip("+-")
    return len(digits) > 1 and digits.startswith("0") and not digits.startswith("0.")


def text_type(values: list[str]) -> str:
    """Logical type of a column of non-empty strings."""
    values = [v.strip() for v in values]
    if any(_leading_zero(v) for v in values):
        return string_type(max(len(v) for v in values))
    if all(_INTEGER.match(v) for v in values):
        return "integer"
    if all(_FLOAT.match(v) for v in values):
        return "float"
    if all(v.lower() in _BOOLEAN for v in values):
        return "boolean"
    if all(_parses(v, _DATE_FORMATS) for v in values):
        return "date"
    if all(_parses(v, _DATETIME_FORMATS) or _parses(v, _DATE_FORMATS) for v in values):
        return "datetime"
    return string_type(max(len(v) for v in values))


def column_type(array: pa.Array) -> str:
    """Logical type of one sampled column: native Arrow types map directly, text is inspected."""
    type_ = array.type
    if pa.types.is_boolean(type_):
        return "boolean"
    if pa.types.is_integer(type_):
        return "integer"
    if pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return "float"
    if pa.types.is_date(type_):
        return "date"
    if pa.types.is_timestamp(type_):
        return "datetime"
    values = [v for v in array.drop_null().to_pylist() if v is not None and str(v).strip() != ""]
    if not values:
        return EMPTY_COLUMN_TYPE
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return text_type(values)
    return string_type(max(len(str(v)) for v in values))


def sample_schema(
    path: Path,
    *,
    file_type: str,
    parser_function: str | None = None,
    options: dict[str, Any] | None = None,
    sample_rows: int = 1000,
) -> list[tuple[str, str]]:
    """(column name, logical type) for each column, from the first ``sample_rows`` rows."""
    from elt_project.ingest.reader import read_batches  # reader re-exports this function

    batches = read_batches(path, file_type=file_type, parser_function=parser_function,
                           options=options, batch_rows=sample_rows)
    try:
        first = next(iter(batches))
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    table = pa.Table.from_batches([first])
    return [(name, column_type(table.column(name).combine_chunks())) for name in table.column_names]
