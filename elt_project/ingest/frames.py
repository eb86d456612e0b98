"""pandas DataFrames → Arrow batches with one schema for the whole stream.

Custom parsers return DataFrames and the configurable parser reads pandas chunks;
the loader wants Arrow batches whose schema does not change half-way. The first
frame fixes the schema; later frames are cast to it, and a value that cannot be
cast is reported with the option that fixes it (``read_options.dtype``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from elt_project.errors import SourceFileError
from elt_project.ingest.rows import as_text


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def _column_array(series: pd.Series) -> pa.Array:
    """Arrow array of one column; a column of mixed Python objects becomes text."""
    try:
        array = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        array = pa.array([None if _is_missing(v) else as_text(v) for v in series], type=pa.string())
    if pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type):
        array = array.cast(pa.string())
    return array


class FrameConverter:
    """Converts successive DataFrames of one source to batches with a stable schema."""

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.schema: pa.Schema | None = None

    def batches(self, frame: pd.DataFrame, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
        names = [str(column) for column in frame.columns]
        if len(set(names)) != len(names):
            duplicate = next(name for name in names if names.count(name) > 1)
            raise SourceFileError(
                f"{self.source}: column '{duplicate}' appears twice; give every column a distinct name."
            )
        arrays = [_column_array(frame.iloc[:, i]) for i in range(len(names))]
        batch = pa.RecordBatch.from_arrays(arrays, names=names)
        if self.schema is None:
            # an all-null first chunk says nothing about the type: text is the safe guess
            self.schema = pa.schema(
                [pa.field(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in batch.schema]
            )
        if batch.schema != self.schema:
            batch = self._conform(batch)
        for start in range(0, max(batch.num_rows, 1), batch_rows):
            yield batch.slice(start, batch_rows)

    def _conform(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        if self.schema is None:
            raise RuntimeError("_conform needs the first batch's schema; call it only after one was seen.")
        if batch.schema.names != self.schema.names:
            raise SourceFileError(
                f"{self.source}: the columns changed part-way through the file; make every part use one header."
            )
        arrays = []
        for field, array in zip(self.schema, batch.columns):
            if array.type != field.type:
                try:
                    array = array.cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise SourceFileError(
                        f"{self.source}: column '{field.name}' changes from {field.type} to {array.type} "
                        'part-way through the file; set read_options.dtype for it (e.g. "str").'
                    ) from exc
            arrays.append(array)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def frames_to_batches(frames: Iterable[pd.DataFrame], *, batch_rows: int, source: str) -> Iterator[pa.RecordBatch]:
    """Batches of every frame in ``frames``; an empty source still yields one empty batch."""
    converter = FrameConverter(source=source)
    for frame in frames:
        if not isinstance(frame, pd.DataFrame):
            raise SourceFileError(
                f"{source}: the parser returned {type(frame).__name__}, not a pandas DataFrame; fix the parser."
            )
        yield from converter.batches(frame, batch_rows=batch_rows)
