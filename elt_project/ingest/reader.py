"""Reading one source file as a stream of Arrow record batches.

``read_batches(path, *, file_type, parser_function=None, options=None, batch_rows=65_536)``
    -> Iterator[pyarrow.RecordBatch]

- Delimited types (csv, psv, tsv, txt): every column is a string column named as
  the file's header (BOM removed, names stripped, blank names → ``column_<n>``,
  duplicate names refused); empty fields are nulls. Typing is the warehouse's job
  (it casts on load), so leading zeros and odd dates survive.
- excel, json, parquet: native Arrow types, one schema for the whole file.
- ``options`` is the import's ``scraper_config`` dict (``read_options``,
  ``pre_processing`` for the configurable parser; ``read_options.encoding``,
  ``delimiter``, ``skiprows`` or ``sheet_name`` for the built-in types).
- Batches hold at most ``batch_rows`` rows. A file with a header and no rows
  yields ONE empty batch carrying the schema (not an error), so callers can stage
  0 rows and still check the columns. A zero-byte file is a SourceFileError.
- Errors are :class:`elt_project.errors.SourceFileError` with one sentence saying
  what to do (e.g. the line number and a hint to set the encoding);
  :class:`ConfigurationError` for bad options or a parser name that is not
  allow-listed (raised when read_batches is called, before any file is read);
  :class:`TransientError` when the file is locked or unreadable for now. A file
  that vanished before or while being read is a SourceFileError.

Guessing column types from a sample is :mod:`elt_project.ingest.schema_sample`, which
reads through this module (never the other way round).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from elt_project.errors import EltError, SourceFileError
from elt_project.ingest.base import DEFAULT_BATCH_ROWS, file_access_error
from elt_project.ingest.frames import frames_to_batches
from elt_project.ingest.registry import custom_parser, parser_for

__all__ = ["read_batches"]


@cache
def _memory_pool_that_returns_memory() -> None:
    """Make Arrow allocate from jemalloc when the build has it.

    Arrow's default pool (mimalloc) keeps freed pages in per-thread heaps: streaming a
    1M-row CSV grew RSS by ~120 MB for ~60 MB of live Arrow data; with jemalloc (its
    default 1 s page decay) by ~85 MB, at the same parse speed. Decay 0 would return
    pages at once (~65 MB) but made parsing ~60% slower. An explicit
    ``ARROW_DEFAULT_MEMORY_POOL`` wins; builds without jemalloc (the Windows wheels)
    keep their default.
    """
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return
    pa.set_memory_pool(pool)


def read_batches(
    path: Path,
    *,
    file_type: str,
    parser_function: str | None = None,
    options: dict[str, Any] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """Stream ``path`` as record batches, by custom parser name or by ``file_type``.

    Configuration is checked now (eager); the file is read lazily as batches are taken.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    _memory_pool_that_returns_memory()  # once per process, on first use rather than at import
    path = Path(path)
    if parser_function:
        function = custom_parser(parser_function)
        return _custom_batches(function, path, options, batch_rows)
    parser = parser_for(file_type)(options)
    _check_exists(path)
    return parser.batches(path, batch_rows=batch_rows)


def _check_exists(path: Path) -> None:
    try:
        path.stat()
    except OSError as exc:
        raise file_access_error(path, exc) from exc


def _custom_batches(
    function: Any, path: Path, options: dict[str, Any] | None, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Run an allow-listed function and convert what it returns into batches."""
    if "options" in inspect.signature(function).parameters:
        result = function(str(path), options=options, batch_rows=batch_rows)  # validates options now
        _check_exists(path)
        return _passthrough(result, path, batch_rows)
    _check_exists(path)
    return _dataframe_batches(function, path, batch_rows)


def _dataframe_batches(function: Any, path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    try:
        frame = function(str(path))
    except EltError:
        raise
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    except Exception as exc:  # custom code may raise anything; name the parser and the cause
        raise SourceFileError(
            f"custom parser {function.__name__} could not read {path.name} "
            f"({type(exc).__name__}: {str(exc)[:200]}); check the file or fix the parser."
        ) from exc
    yield from frames_to_batches([frame], batch_rows=batch_rows, source=path.name)


def _passthrough(result: Any, path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    if isinstance(result, pd.DataFrame):
        yield from frames_to_batches([result], batch_rows=batch_rows, source=path.name)
        return
    for item in result:
        if isinstance(item, pa.RecordBatch):
            yield item
        else:
            raise SourceFileError(f"{path.name}: the parser produced {type(item).__name__}; fix the parser.")
