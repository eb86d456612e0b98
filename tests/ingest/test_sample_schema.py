"""Logical column types guessed from a sample file."""

from __future__ import annotations

import datetime as dt

import openpyxl

from elt_project.ingest.reader import sample_schema


def test_csv_types(write):
    path = write("s.csv", (
        "id,code,price,active,day,stamp,name,empty\n"
        "1,007,1.5,true,2024-01-31,2024-01-31 10:00:00,Ann,\n"
        "22,010,2,false,2024-02-01,2024-02-01T11:30:00,Bartholomew Jones,\n"
    ))
    assert sample_schema(path, file_type="csv") == [
        ("id", "integer"),
        ("code", "string(10)"),  # leading zeros must survive
        ("price", "float"),
        ("active", "boolean"),
        ("day", "date"),
        ("stamp", "datetime"),
        ("name", "string(20)"),
        ("empty", "string(255)"),
    ]


def test_only_sample_rows_are_read(write):
    rows = "".join(f"{i}\n" for i in range(50)) + "not a number\n"
    path = write("s.csv", "n\n" + rows)
    assert sample_schema(path, file_type="csv", sample_rows=50) == [("n", "integer")]
    assert sample_schema(path, file_type="csv", sample_rows=100) == [("n", "string(20)")]


def test_excel_native_types(tmp_path):
    path = tmp_path / "s.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "amount", "when", "label"])
    book.active.append([1, 2.5, dt.datetime(2024, 1, 1, 8), "x" * 300])
    book.save(path)
    assert sample_schema(path, file_type="excel") == [
        ("id", "integer"), ("amount", "float"), ("when", "datetime"), ("label", "string(500)"),
    ]


def test_custom_parser_sample(write):
    path = write("r.csv", "t\nt\nid,name\n1,a\nEND OF REPORT\n")
    assert sample_schema(path, file_type="custom", parser_function="parse_report_with_footer") == [
        ("id", "integer"), ("name", "string(10)"),
    ]
