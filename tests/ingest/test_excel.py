"""Excel workbooks built with openpyxl in the test, read back through read_batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest.reader import read_batches
from tests.ingest.conftest import read_all


def workbook(path: Path, rows: list[list], *, title: str = "Data", extra_sheets: dict | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    book.save(path)
    return path


def test_round_trip_native_types(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        [
            ["id", "name", "amount", "when", "ok"],
            [1, "Ann", 1.5, dt.datetime(2024, 1, 2, 3, 4, 5), True],
            [2, None, 2, dt.datetime(2024, 2, 3), False],
        ],
    )
    _, table = read_all(path, file_type="excel")
    assert table.schema == pa.schema(
        [
            ("id", pa.int64()),
            ("name", pa.string()),
            ("amount", pa.float64()),
            ("when", pa.timestamp("us")),
            ("ok", pa.bool_()),
        ]
    )
    assert table.column("name").to_pylist() == ["Ann", None]
    assert table.column("amount").to_pylist() == [1.5, 2.0]
    assert table.column("when").to_pylist()[0] == dt.datetime(2024, 1, 2, 3, 4, 5)


def test_merged_header_cells_and_formulas(tmp_path):
    path = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Region", "Sales", None, "Total"])
    sheet.merge_cells("B1:C1")
    sheet.append(["North", 10, 20, "=B2+C2"])
    sheet.append(["South", 1, 2, "=B3+C3"])
    book.save(path)
    # openpyxl writes formulas without cached values; give them the values Excel would cache
    _cache_formula_values(path, {"D2": "30", "D3": "3"})

    _, table = read_all(path, file_type="excel")

    assert table.column_names == ["Region", "Sales", "Sales_2", "Total"]
    assert table.column("Total").to_pylist() == [30, 3]  # cached values, not "=B2+C2"


def _cache_formula_values(path: Path, values: dict[str, str]) -> None:
    """Rewrite the sheet XML so each formula cell carries a cached value, as Excel saves it."""
    import re
    import zipfile

    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    xml = contents[member].decode()
    for ref, value in values.items():
        xml = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v>[^<]*</v>)?', rf"\1\2<v>{value}</v>", xml)
    contents[member] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def test_named_sheet_and_blank_header(tmp_path):
    path = workbook(tmp_path / "s.xlsx", [["ignored"], [1]], extra_sheets={"Wanted": [["a", None, "c"], [1, 2, 3]]})
    _, table = read_all(path, file_type="excel", options={"read_options": {"sheet_name": "Wanted"}})
    assert table.column_names == ["a", "column_2", "c"]
    assert table.to_pylist() == [{"a": 1, "column_2": 2, "c": 3}]


def test_missing_sheet_lists_the_sheets(tmp_path):
    path = workbook(tmp_path / "s.xlsx", [["a"], [1]])
    with pytest.raises(SourceFileError, match="has no sheet 'Nope' \\(sheets: Data\\)"):
        list(read_batches(path, file_type="excel", options={"read_options": {"sheet_name": "Nope"}}))


def test_mixed_column_becomes_text_in_every_batch(tmp_path):
    rows = [["code"]] + [[i] for i in range(30)] + [["N/A"]]
    path = workbook(tmp_path / "m.xlsx", rows)
    batches, table = read_all(path, file_type="excel", batch_rows=7)
    assert len(batches) == 5
    assert {b.schema for b in batches} == {pa.schema([("code", pa.string())])}
    assert table.column("code").to_pylist()[-2:] == ["29", "N/A"]


def test_header_only_sheet(tmp_path):
    path = workbook(tmp_path / "h.xlsx", [["a", "b"]])
    batches, table = read_all(path, file_type="excel")
    assert len(batches) == 1 and table.num_rows == 0 and table.column_names == ["a", "b"]


def test_empty_sheet_is_an_error(tmp_path):
    path = workbook(tmp_path / "e.xlsx", [])
    with pytest.raises(SourceFileError, match="file is empty"):
        list(read_batches(path, file_type="excel"))


def test_value_beyond_header_names_the_row(tmp_path):
    path = workbook(tmp_path / "r.xlsx", [["a", "b"], [1, 2], [3, 4, "stray"]])
    with pytest.raises(SourceFileError, match="row 3 has values right of the last header column"):
        list(read_batches(path, file_type="excel"))


def test_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SourceFileError, match="not a readable .xlsx workbook"):
        list(read_batches(path, file_type="excel"))


def test_wrong_stored_dimension_does_not_drop_rows(tmp_path):
    import re
    import zipfile

    path = workbook(tmp_path / "dim.xlsx", [["a"], [1], [2], [3]])
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    xml = contents[member].decode()
    assert '<dimension ref="A1:A4"/>' in xml
    contents[member] = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1"/>', xml).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    _, table = read_all(path, file_type="excel")
    assert table.column("a").to_pylist() == [1, 2, 3]


def test_large_sheet_is_read_twice_with_one_schema(tmp_path):
    rows = [["id", "amount"]] + [[i, i if i % 2 else i + 0.5] for i in range(1, 101)]
    path = workbook(tmp_path / "big.xlsx", rows)
    batches, table = read_all(path, file_type="excel", batch_rows=40)
    assert [b.num_rows for b in batches] == [40, 40, 20]
    assert {b.schema for b in batches} == {pa.schema([("id", pa.int64()), ("amount", pa.float64())])}
    assert table.column("id").to_pylist() == list(range(1, 101))


def test_workbook_with_another_extension_and_old_xls(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["a"], [1]])
    renamed = path.rename(tmp_path / "export.dat")
    _, table = read_all(renamed, file_type="excel")
    assert table.column("a").to_pylist() == [1]
    old = tmp_path / "legacy.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)  # BIFF/OLE header
    with pytest.raises(SourceFileError, match="save it as Excel Workbook"):
        list(read_batches(old, file_type="excel"))


def test_empty_first_sheet_names_sheet_name_and_the_sheets_with_rows(tmp_path):
    path = tmp_path / "report.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.create_sheet("Notes")
    data = book.create_sheet("Data")
    data.append(["id", "name"])
    data.append([1, "a"])
    book.create_sheet("Totals").append(["sum", 1])
    book.save(path)
    with pytest.raises(SourceFileError) as err:
        list(read_batches(path, file_type="excel"))
    message = str(err.value)
    assert "the sheet 'Cover' has no rows" in message
    assert "read_options.sheet_name" in message and "'Data', 'Totals'" in message and "Notes" not in message
    _, table = read_all(path, file_type="excel", options={"read_options": {"sheet_name": "Data"}})
    assert table.to_pylist() == [{"id": 1, "name": "a"}]
