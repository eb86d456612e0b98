"""What every parser shares: the parser interface, error translation and empty results.

A parser turns one file into a stream of Arrow record batches. Parsers are small
classes so that adding a file type is one class plus one ``register_parser`` line
in :mod:`elt_project.ingest.registry`.
"""

from __future__ import annotations

import errno
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from elt_project.errors import SourceFileError, TransientError
from elt_project.ingest.options import builtin_read_options

#: Upper bound for one batch; parsers slice larger blocks down to it.
DEFAULT_BATCH_ROWS = 65_536


class Parser(ABC):
    """Reads one file type. ``options`` is the import's ``scraper_config`` dict (or None).

    ``read_options`` are validated in the constructor, so a bad config fails when
    the read is set up, before any file is touched.
    """

    file_type = "file"
    #: File name endings (lower case, with the dot) this parser reads. Required: an upload for an
    #: import of this type must end in one of them (see :func:`elt_project.ingest.registry.register_parser`).
    extensions: frozenset[str] = frozenset()

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = dict(options or {})
        self.read_options = builtin_read_options(self.options, file_type=self.file_type)

    @abstractmethod
    def batches(self, path: Path, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Yield the file's rows as record batches of at most ``batch_rows`` rows.

        A file with a header but no rows yields one empty batch that carries the
        schema, so callers can still stage zero rows and check the columns.
        """


def file_access_error(path: Path, exc: OSError) -> SourceFileError | TransientError:
    """Translate an OS error met while opening or reading a source file.

    A vanished file is terminal for this run (:class:`SourceFileError`): the sensor
    starts a new run if it is dropped again. A locked or unreachable file
    (Excel holding it open, a network share hiccup) is a :class:`TransientError`.
    """
    if isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT:
        return SourceFileError(
            f"{path.name} no longer exists (it was moved or deleted while being read); drop the file again."
        )
    if isinstance(exc, IsADirectoryError):
        return SourceFileError(f"{path} is a folder, not a file; point the import at a file.")
    return TransientError(
        f"{path.name} could not be read ({exc.strerror or type(exc).__name__}); "
        "close any program holding it open and run the import again."
    )


def ensure_not_empty(path: Path) -> int:
    """Return the file size, refusing a zero-byte file with a clear message."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    if size == 0:
        raise SourceFileError(f"{path.name}: file is empty; replace it with a file that has a header row.")
    return size


def empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    """A zero-row batch carrying ``schema``: how a header-only file is reported."""
    return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in schema], schema=schema)


def unique_column_names(names: list[str], *, source: str) -> list[str]:
    """Clean header names (strip, BOM, blanks → ``column_<n>``) and refuse duplicates.

    Duplicates are compared case-insensitively because warehouse column names are
    (SQL Server's default collation), so ``ID`` and ``id`` would collide on load.
    """
    cleaned: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(names, start=1):
        name = (raw if isinstance(raw, str) else "" if raw is None else str(raw)).replace("\ufeff", "").strip()
        if not name:
            name = f"column_{position}"
        key = name.casefold()
        if key in seen:
            raise SourceFileError(
                f"{source}: column '{name}' appears twice in the header (columns {seen[key]} and {position}); "
                "rename one of them in the file."
            )
        seen[key] = position
        cleaned.append(name)
    return cleaned
