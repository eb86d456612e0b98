"""Delimited text files (csv, psv, tsv, txt) read by pyarrow's streaming CSV reader.

Why this shape:
- Every column is read as a string (empty → null): typing is the warehouse's job,
  so leading zeros and odd dates survive, and no type guess can fail in block 900.
- The header is read here, not by pyarrow, so names can be cleaned and checked
  (BOM, spaces, duplicates, a wrong delimiter) before the first block is parsed.
- pyarrow's messages carry no line numbers; when it fails we re-scan the file with
  the ``csv`` module (only on that error path) to name the line a person must fix.
- A field larger than the block (a 10 MB cell) makes pyarrow fail with "straddling
  object"; the read restarts with a bigger block, skipping rows already yielded.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from elt_project.errors import SourceFileError
from elt_project.ingest import encoding as encodings
from elt_project.ingest.base import (
    Parser,
    empty_batch,
    ensure_not_empty,
    file_access_error,
    unique_column_names,
)
from elt_project.ingest.options import is_utf8

SNIFF_CANDIDATES = (",", "|", ";", "\t")
_TYPE_FOR_DELIMITER = {",": "csv", "|": "psv", "\t": "tsv"}
_MIN_BLOCK = 1 << 16
# Blocks above ~1 MiB made pyarrow's streaming reader hold more memory as files
# grew (measured: 4 MiB blocks, 95 MB live at 1M rows, 158 MB at 5M); at 1 MiB it
# stays flat (~40 MB) and is as fast. Small blocks are re-joined to batch_rows.
_MAX_FIRST_BLOCK = 1 << 20
_MAX_BLOCK = 1 << 30
_PROBE_BYTES = 1 << 20


@dataclass(frozen=True)
class HeaderProbe:
    """What the first lines of a file tell us before pyarrow starts."""

    header: str
    header_index: int  # 0-based physical line where the header ends
    data_line: str | None
    bytes_per_row: float


def label(delimiter: str) -> str:
    """A delimiter as people name it in messages (tab, comma, pipe, semicolon)."""
    return {"\t": "tab", ",": "comma", "|": "pipe", ";": "semicolon"}.get(delimiter, repr(delimiter))


def text_encoding(encoding: str | None) -> str:
    """Python codec used to read the file as text; the BOM is dropped for UTF-8."""
    return "utf-8-sig" if is_utf8(encoding) else encoding  # type: ignore[return-value]


def probe_header(path: Path, encoding: str | None, skiprows: int) -> HeaderProbe:
    """Find the header (after ``skiprows`` lines and any blank lines) and one data line."""
    codec = text_encoding(encoding)
    line_no = 0
    try:
        with open(path, encoding=codec, newline="") as handle:
            try:
                header: str | None = None
                header_index = 0
                data_line: str | None = None
                for line in handle:
                    line_no += 1
                    if line_no <= skiprows or not line.strip():
                        continue
                    if header is None:
                        header, header_index = line, line_no - 1
                        # a quoted header name may span lines: read on until the quotes balance
                        while header.count('"') % 2 and (more := handle.readline()):
                            header, line_no, header_index = header + more, line_no + 1, header_index + 1
                        header = header.rstrip("\r\n")
                        continue
                    data_line = line.rstrip("\r\n")
                    break
                sample = handle.read(_PROBE_BYTES) if data_line is not None else ""
            except UnicodeDecodeError as exc:
                # text mode decodes ahead in chunks: find the exact line by a binary scan
                bad_line = first_undecodable_line(path, encoding) or line_no + 1
                raise undecodable(path, bad_line, encoding) from exc
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    if header is None:
        raise SourceFileError(f"{path.name}: file is empty (no header row); replace it with a file that has data.")
    rows_in_sample = sample.count("\n")
    per_row = len(sample) / rows_in_sample if rows_in_sample else max(len(data_line or header), 16) + 1
    return HeaderProbe(header, header_index, data_line, per_row)


def undecodable(path: Path, line_no: int, encoding: str | None) -> SourceFileError:
    """The error for bytes that are not text in the expected encoding, with the fix."""
    shown = encoding or "utf-8"
    return SourceFileError(
        f"{path.name}: line {line_no} is not valid {shown} text; {encodings.advice(path, encoding)}."
    )


def split_fields(line: str, delimiter: str) -> list[str]:
    """Fields of one line, honouring double-quoted fields."""
    return next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])


def sniff_delimiter(probe: HeaderProbe) -> str:
    """Pick the delimiter among , | ; tab that splits header and first row alike."""
    best, best_count = ",", 0
    for candidate in SNIFF_CANDIDATES:
        count = len(split_fields(probe.header, candidate))
        if count <= 1:
            continue
        if probe.data_line is not None and len(split_fields(probe.data_line, candidate)) != count:
            count = 1  # splits the header but not the data alike: weak evidence
        if count > best_count:
            best, best_count = candidate, count
    return best


def check_delimiter(path: Path, probe: HeaderProbe, delimiter: str, header_fields: list[str]) -> None:
    """Refuse a file whose header is one column while another delimiter splits it cleanly."""
    if len(header_fields) != 1:
        return
    for other in SNIFF_CANDIDATES:
        if other == delimiter:
            continue
        count = len(split_fields(probe.header, other))
        if count > 1 and (probe.data_line is None or len(split_fields(probe.data_line, other)) == count):
            advice = f"read_options.delimiter to '{other}'"
            if other in _TYPE_FOR_DELIMITER:
                advice = f"file_type to '{_TYPE_FOR_DELIMITER[other]}' or {advice}"
            raise SourceFileError(
                f"{path.name} looks {label(other)}-delimited, not {label(delimiter)}-delimited "
                f"(the header splits into {count} columns on {label(other)}); set {advice}."
            )


class DelimitedParser(Parser):
    """Streaming delimited-text parser; subclasses only set the delimiter and type name."""

    file_type = "csv"
    delimiter: str | None = ","  # None: sniffed from the header line

    def batches(self, path: Path, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
        opts = self.read_options
        ensure_not_empty(path)
        encoding = encodings.resolve(path, opts.encoding)  # a byte-order mark needs no setting
        probe = probe_header(path, encoding, opts.skiprows)
        delimiter = opts.delimiter or self.delimiter or sniff_delimiter(probe)
        header_fields = split_fields(probe.header, delimiter)
        check_delimiter(path, probe, delimiter, header_fields)
        names = unique_column_names(header_fields, source=path.name)
        block = int(min(max(probe.bytes_per_row * batch_rows * 1.1, _MIN_BLOCK), _MAX_FIRST_BLOCK))
        yield from self._stream(path, names, delimiter, encoding, probe.header_index, block, batch_rows)

    def _stream(
        self,
        path: Path,
        names: list[str],
        delimiter: str,
        encoding: str | None,
        header_index: int,
        block: int,
        batch_rows: int,
    ) -> Iterator[pa.RecordBatch]:
        schema = pa.schema([(name, pa.string()) for name in names])
        parse = pacsv.ParseOptions(
            delimiter=delimiter, quote_char='"', newlines_in_values=True, invalid_row_handler=skip_blank_row
        )
        convert = pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            null_values=["", *(self.read_options.na_values or [])],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        emitted = 0
        while True:
            read = pacsv.ReadOptions(
                column_names=names,
                skip_rows=header_index + 1,
                skip_rows_after_names=emitted,
                block_size=block,
                encoding="utf8" if is_utf8(encoding) else encoding,
            )
            try:
                blocks = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
                for piece in coalesced(blocks, batch_rows):
                    emitted += piece.num_rows
                    yield piece
                break
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                if "straddl" in str(exc) and block < _MAX_BLOCK:
                    block = min(block * 4, _MAX_BLOCK)
                    continue
                raise self._explain(path, exc, names, delimiter, encoding, header_index) from exc
            except OSError as exc:
                raise file_access_error(path, exc) from exc
        if emitted == 0:
            yield empty_batch(schema)

    def _explain(
        self,
        path: Path,
        exc: Exception,
        names: list[str],
        delimiter: str,
        encoding: str | None,
        header_index: int,
    ) -> SourceFileError:
        """Turn a pyarrow failure into a sentence that names the line to fix."""
        message = str(exc)
        if isinstance(exc, UnicodeDecodeError) or "UTF8" in message or "utf-8" in message.lower():
            line_no = first_undecodable_line(path, encoding)
            if line_no is not None:
                return undecodable(path, line_no, encoding)
        ragged = first_ragged_line(path, delimiter, encoding, header_index, len(names))
        if ragged is not None:
            line_no, got = ragged
            return SourceFileError(
                f"{path.name}: line {line_no} has {got} fields but the header has {len(names)}; "
                f"fix that row (or check the {label(delimiter)} delimiter and quoting)."
            )
        detail = message.splitlines()[0][:200] if message else type(exc).__name__
        return SourceFileError(
            f"{path.name} could not be parsed as {self.file_type} ({detail}); check file_type and read_options."
        )


def skip_blank_row(row: pacsv.InvalidRow) -> str:
    """pyarrow hook for rows of the wrong width: drop whitespace-only lines, fail on the rest.

    pyarrow skips empty lines itself, but a line of spaces (common at the end of
    exports) would otherwise count as a one-field row. Called only for bad rows.
    """
    return "skip" if not (row.text or "").strip() else "error"


def coalesced(blocks: Iterator[pa.RecordBatch], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """Re-cut a stream of block-sized batches into batches of exactly ``batch_rows`` (the last smaller).

    Joining costs one copy of the data, far less than parsing it, and gives loaders
    the batch size they asked for whatever the block size was.
    """
    pending: list[pa.RecordBatch] = []
    count = 0
    for block in blocks:
        if block.num_rows == 0:
            continue
        pending.append(block)
        count += block.num_rows
        if count < batch_rows:
            continue
        joined = pending[0] if len(pending) == 1 else pa.concat_batches(pending)
        start = 0
        while joined.num_rows - start >= batch_rows:
            yield joined.slice(start, batch_rows)
            start += batch_rows
        rest = joined.slice(start)
        pending, count = ([rest] if rest.num_rows else []), rest.num_rows
    if count:
        yield pending[0] if len(pending) == 1 else pa.concat_batches(pending)


def first_undecodable_line(path: Path, encoding: str | None) -> int | None:
    """1-based number of the first line that does not decode; None when all do.

    Lines end with LF, CRLF or a lone CR (old Mac exports): breaks are counted in the
    decoded text, so a CR-only file is not one long "line 1".
    """
    codec = text_encoding(encoding)
    decoder = codecs.getincrementaldecoder(codec)()
    breaks, last = 0, ""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 16):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = bytes(exc.object[: exc.start]).decode(codec, errors="replace")
                return breaks + _line_breaks(last + before) - _line_breaks(last) + 1
            breaks += _line_breaks(last + text) - _line_breaks(last)
            last = text[-1:] if text else last
    return None


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def first_ragged_line(
    path: Path, delimiter: str, encoding: str | None, header_index: int, expected: int
) -> tuple[int, int] | None:
    """(line number, field count) of the first data row whose width differs from the header."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    with open(path, encoding=text_encoding(encoding), errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"')
        previous_end = 0
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if start <= header_index + 1 or not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != expected:
                return start, len(record)
    return None


class CsvParser(DelimitedParser):
    """Comma-separated values."""

    file_type = "csv"
    extensions = frozenset({".csv", ".txt"})
    delimiter = ","


class PsvParser(DelimitedParser):
    """Pipe-separated values."""

    file_type = "psv"
    extensions = frozenset({".psv", ".txt"})
    delimiter = "|"


class TsvParser(DelimitedParser):
    """Tab-separated values."""

    file_type = "tsv"
    extensions = frozenset({".tsv", ".txt"})
    delimiter = "\t"


class TxtParser(DelimitedParser):
    """Delimited text whose delimiter comes from read_options.delimiter or is sniffed."""

    file_type = "txt"
    extensions = frozenset({".txt"})
    delimiter = None
