"""Excel workbooks (.xlsx) streamed with openpyxl in read-only mode.

- ``data_only=True``: formulas give the value Excel cached when it last saved.
- Read-only mode does not expose merged ranges, so they are read from the
  sheet's XML (``<mergeCell ref=...>``, stored after the rows) with a streaming
  regex scan. A header cell inside a merged range takes the range's value;
  the columns of one range are told apart as ``Name``, ``Name_2``, ...
- The header is the first non-empty row after ``read_options.skiprows`` rows;
  blank header cells become ``column_<n>``. Entirely empty rows are skipped; a
  value right of the last header column is an error (it would be lost).
- The sheet's stored dimension is ignored (some exporters write a wrong one,
  which would make read-only mode stop early and drop rows silently).
- Before openpyxl sees the file, its zip members are checked (sizes and packing
  ratio, see :mod:`.zip_guard`), and a header wider than :data:`MAX_COLUMNS` is
  refused: neither a zip bomb nor a 16,384-column sheet can exhaust memory.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from elt_project.errors import SourceFileError
from elt_project.ingest.base import Parser, ensure_not_empty, file_access_error, unique_column_names
from elt_project.ingest.rows import typed_batches
from elt_project.ingest.zip_guard import check_zip

#: Widest sheet loaded: SQL Server tables hold at most 1,024 columns, so a wider sheet cannot be staged anyway.
MAX_COLUMNS = 1024

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def column_index(letters: bytes) -> int:
    """1-based column number of ``b'A'``, ``b'AB'``..."""
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)\d+"')
_ROW_END = re.compile(rb"</(?:\w+:)?row>|<(?:\w+:)?row\b[^>]*/>")
#: How much of a sheet is read to find its first row (a row of 1,024 cells is well under this).
FIRST_ROW_SCAN_BYTES = 8 << 20


def check_first_row_widths(path: Path) -> None:
    """Refuse a workbook whose sheets' first rows are wider than :data:`MAX_COLUMNS`, before openpyxl opens it.

    openpyxl scans a whole sheet to size it when the sheet lacks a ``<dimension>``,
    which takes minutes for a sheet 16,384 columns wide; reading the first row's XML
    ourselves costs milliseconds.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl reports an unreadable file in its own words
    with archive:
        for member in archive.infolist():
            name = member.filename.lower()
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(member) as source:
                head = source.read(FIRST_ROW_SCAN_BYTES)
            end = _ROW_END.search(head)
            row = head[: end.end()] if end else head
            width = max([len(_CELL.findall(row)), *(column_index(m.group(1)) for m in _CELL_REF.finditer(row))])
            if width > MAX_COLUMNS:
                raise SourceFileError(
                    f"{path.name}: a sheet's first row has more than {MAX_COLUMNS:,} columns; a table cannot hold "
                    "that many, so split the sheet or remove the columns not needed."
                )


def merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every merged range, read from the sheet XML."""
    ranges = []
    tail = b""
    with sheet._get_source() as source:  # openpyxl's own handle on the zip member
        while chunk := source.read(1 << 20):
            data = tail + chunk
            for match in _MERGE.finditer(data):
                c1, r1, c2, r2 = match.groups()
                c2, r2 = c2 or c1, r2 or r1
                ranges.append((int(r1), column_index(c1), int(r2), column_index(c2)))
            tail = data[-200:]
            ranges = list(dict.fromkeys(ranges))  # the overlap may match a range twice
    return ranges


class ExcelParser(Parser):
    """First sheet, or ``read_options.sheet_name``; native Arrow types (see rows.py)."""

    file_type = "excel"
    extensions = frozenset({".xlsx", ".xlsm"})

    def batches(self, path: Path, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
        opts = self.read_options
        ensure_not_empty(path)
        # one workbook for header and both passes: loading it can cost a full scan
        # of the sheet (openpyxl sizes sheets that lack a <dimension> that way)
        with _OpenSheet(path, opts.sheet_name) as sheet:
            header_row, names, width = self._header(sheet, path, opts.skiprows)

            def open_rows() -> Iterator[dict[str, Any]]:
                rows = sheet.iter_rows(min_row=header_row + 1, values_only=True)
                for row_no, row in enumerate(rows, start=header_row + 1):
                    if len(row) > width and any(v not in (None, "") for v in row[width:]):
                        raise SourceFileError(
                            f"{path.name}: row {row_no} has values right of the last header column "
                            f"({names[-1]}); give those cells a header or remove them."
                        )
                    if all(v is None or v == "" for v in row[:width]):
                        continue
                    yield dict(zip(names, row))

            yield from typed_batches(open_rows, batch_rows=batch_rows, source=path.name, names=names)

    def _header(self, sheet: Any, path: Path, skiprows: int) -> tuple[int, list[str], int]:
        """(header row number, cleaned column names, width) of the sheet."""
        header_row, cells = 0, None
        for row_no, row in enumerate(sheet.iter_rows(min_row=skiprows + 1, values_only=True), start=skiprows + 1):
            if any(v not in (None, "") for v in row):
                header_row, cells = row_no, list(row)
                break
        if cells is None:
            raise SourceFileError(_empty_sheet_message(path, sheet))
        if len(cells) > MAX_COLUMNS and any(v not in (None, "") for v in cells[MAX_COLUMNS:]):
            raise SourceFileError(
                f"{path.name}: the header row has more than {MAX_COLUMNS:,} columns; a table cannot hold that many, "
                "so split the sheet or remove the columns not needed."
            )
        merged_from: dict[int, int] = {}
        for r1, c1, _r2, c2 in merged_ranges(sheet):
            if r1 == header_row and c2 > c1:  # horizontal range starting on the header row
                for col in range(c1 + 1, c2 + 1):
                    merged_from[col] = c1
        width = max(i for i, v in enumerate(cells, 1) if v not in (None, "") or i in merged_from)
        cells = cells[:width] + [None] * (width - len(cells))
        raw: list[Any] = []
        for col, value in enumerate(cells, start=1):
            anchor_value = cells[merged_from[col] - 1] if col in merged_from else None
            if anchor_value not in (None, ""):
                raw.append(f"{anchor_value}_{col - merged_from[col] + 1}")
            else:
                raw.append(value)
        return header_row, unique_column_names(raw, source=path.name), width


def _empty_sheet_message(path: Path, sheet: Any) -> str:
    """The sheet read has no rows: name read_options.sheet_name and the sheets that do have rows."""
    workbook = sheet.parent
    with_rows = []
    for name in workbook.sheetnames:
        other = workbook[name]
        if name != sheet.title and any(
            any(v not in (None, "") for v in row) for row in other.iter_rows(max_row=50, values_only=True)
        ):
            with_rows.append(name)
    if with_rows:
        shown = ", ".join(f"'{name}'" for name in with_rows)
        return (
            f"{path.name}: the sheet '{sheet.title}' has no rows; set read_options.sheet_name in "
            f"scraper_config to the sheet to load (sheets with rows: {shown})."
        )
    return (
        f"{path.name}: file is empty (no sheet has rows, '{sheet.title}' included); "
        "replace it with a file that has data."
    )


class _OpenSheet:
    """Context manager: one read-only workbook, closed on exit, and the chosen sheet."""

    def __init__(self, path: Path, sheet_name: str | int | None) -> None:
        self.path, self.sheet_name = path, sheet_name
        self.workbook: Any = None
        self.handle: Any = None

    def __enter__(self) -> Any:
        import openpyxl  # heavy; loaded only when an Excel file is read

        try:
            # a file handle, not the name: openpyxl would refuse a name not ending in .xlsx/.xlsm
            check_zip(self.path)
            check_first_row_widths(self.path)
            self.handle = open(self.path, "rb")  # closed in _close()
            self.workbook = openpyxl.load_workbook(self.handle, read_only=True, data_only=True)
        except OSError as exc:
            self._close()
            raise file_access_error(self.path, exc) from exc
        except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
            self._close()
            raise SourceFileError(
                f"{self.path.name} is not a readable .xlsx workbook; save it as Excel Workbook (.xlsx)."
            ) from exc
        names = self.workbook.sheetnames
        chosen = None
        if self.sheet_name is None:
            chosen = names[0]
        elif isinstance(self.sheet_name, int):
            if 0 <= self.sheet_name < len(names):
                chosen = names[self.sheet_name]
        elif self.sheet_name in names:
            chosen = self.sheet_name
        if chosen is not None:
            sheet = self.workbook[chosen]
            # the stored dimension can be wrong (some exporters write "A1"); never trust it
            sheet.reset_dimensions()
            return sheet
        self._close()
        raise SourceFileError(
            f"{self.path.name} has no sheet '{self.sheet_name}' (sheets: {', '.join(names)}); "
            "fix read_options.sheet_name."
        )

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def _close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()
            self.workbook = None
        if self.handle is not None:
            self.handle.close()
            self.handle = None
