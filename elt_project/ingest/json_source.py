"""JSON files: a top-level array of objects, or JSON Lines (one object per line).

Both are read incrementally with the standard library's C decoder
(``raw_decode`` over a sliding text buffer), so memory stays bounded by the
largest single object, not the file. Keys become columns in first-seen order;
nested values become their JSON text (see rows.py for the typing rules).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from elt_project.errors import SourceFileError
from elt_project.ingest import encoding as encodings
from elt_project.ingest.base import Parser, ensure_not_empty, file_access_error
from elt_project.ingest.delimited import text_encoding
from elt_project.ingest.rows import typed_batches

_CHUNK = 1 << 20
_WHITESPACE = " \t\r\n"


class JsonParser(Parser):
    """An array of objects or JSON Lines; ``read_options.encoding`` applies."""

    file_type = "json"
    extensions = frozenset({".json"})

    def batches(self, path: Path, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
        opts = self.read_options
        ensure_not_empty(path)
        codec = text_encoding(encodings.resolve(path, opts.encoding))

        def open_rows() -> Iterator[dict[str, Any]]:
            for position, value in iter_json_values(path, codec):
                if not isinstance(value, dict):
                    raise SourceFileError(
                        f"{path.name} is not tabular JSON: item {position} is a {type(value).__name__}, "
                        "not an object; provide an array of objects or JSON Lines."
                    )
                yield value

        yield from typed_batches(open_rows, batch_rows=batch_rows, source=path.name)


def iter_json_values(path: Path, codec: str) -> Iterator[tuple[int, Any]]:
    """Yield (1-based position, value) of each array element or JSON Lines value."""
    decoder = json.JSONDecoder()
    try:
        with open(path, encoding=codec) as handle:
            buffer = handle.read(_CHUNK)
            start = _skip_space(buffer, 0)
            if start >= len(buffer):
                raise SourceFileError(f"{path.name}: file is empty; replace it with a file that has data.")
            in_array = buffer[start] == "["
            if buffer[start] not in "[{":
                raise SourceFileError(
                    f"{path.name} is not tabular JSON (it starts with {buffer[start]!r}); "
                    "provide an array of objects or JSON Lines."
                )
            pos = start + 1 if in_array else start
            position = 0
            eof = False
            while True:
                pos = _skip_space(buffer, pos)
                if in_array and pos < len(buffer) and buffer[pos] in ",]":
                    if buffer[pos] == "]":
                        return
                    pos += 1
                    continue
                if pos >= len(buffer):
                    if eof:
                        if in_array:
                            raise SourceFileError(f"{path.name}: the JSON array is not closed; the file is cut short.")
                        return
                    more = handle.read(_CHUNK)
                    buffer, pos, eof = buffer[pos:] + more, 0, not more
                    continue
                try:
                    value, end = decoder.raw_decode(buffer, pos)
                except json.JSONDecodeError as exc:
                    if not eof:  # the value may continue in the next chunk
                        more = handle.read(max(_CHUNK, len(buffer)))
                        buffer, pos, eof = buffer[pos:] + more, 0, not more
                        continue
                    raise SourceFileError(
                        f"{path.name}: item {position + 1} is not valid JSON ({exc.msg}); fix or re-export the file."
                    ) from exc
                if not in_array and "\n" in buffer[pos:end]:
                    raise SourceFileError(
                        f"{path.name} is not tabular JSON: it holds a multi-line document, not an array of "
                        "objects or JSON Lines (one object per line); export the records as an array."
                    )
                position += 1
                yield position, value
                pos = end
    except UnicodeDecodeError as exc:
        raise SourceFileError(f"{path.name} is not valid {codec} text; {encodings.advice(path, codec)}.") from exc
    except OSError as exc:
        raise file_access_error(path, exc) from exc


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos
