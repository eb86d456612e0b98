"""Parquet files: native Arrow types, streamed row group by row group."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from elt_project.errors import SourceFileError
from elt_project.ingest.base import Parser, empty_batch, ensure_not_empty, file_access_error


class ParquetParser(Parser):
    """Parquet files; no read_options are needed."""

    file_type = "parquet"
    extensions = frozenset({".parquet"})

    def batches(self, path: Path, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
        ensure_not_empty(path)
        try:
            parquet = pq.ParquetFile(path)
        except OSError as exc:
            if isinstance(exc, FileNotFoundError):
                raise file_access_error(path, exc) from exc
            raise SourceFileError(f"{path.name} is not a readable Parquet file; re-export it as Parquet.") from exc
        except pa.ArrowInvalid as exc:
            raise SourceFileError(f"{path.name} is not a readable Parquet file; re-export it as Parquet.") from exc
        with parquet:
            emitted = 0
            try:
                for batch in parquet.iter_batches(batch_size=batch_rows):
                    emitted += batch.num_rows
                    yield batch
            except OSError as exc:
                raise file_access_error(path, exc) from exc
            if emitted == 0:
                yield empty_batch(parquet.schema_arrow)
