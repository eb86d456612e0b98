"""Logical column types guessed from a whole sample file, and what each guess rests on."""

from __future__ import annotations

import datetime as dt

import openpyxl

from elt_project.ingest.schema_sample import profile_columns, sample_schema, string_type


def test_csv_types(write):
    path = write(
        "s.csv",
        (
            "id,code,price,active,day,stamp,name,empty\n"
            "1,007,1.5,true,2024-01-31,2024-01-31 10:00:00,Ann,\n"
            "22,010,2,false,2024-02-01,2024-02-01T11:30:00,Bartholomew Jones,\n"
        ),
    )
    assert sample_schema(path, file_type="csv") == [
        ("id", "integer"),
        ("code", "string(255)"),  # leading zeros must survive
        ("price", "float"),
        ("active", "boolean"),
        ("day", "date"),
        ("stamp", "datetime"),
        ("name", "string(255)"),
        ("empty", "string(255)"),
    ]


def test_the_whole_file_is_read_so_a_late_leading_zero_keeps_the_column_text(write):
    rows = "".join(f"{94000 + i},{i}\n" for i in range(6000))
    path = write("codes.csv", "code,n\n" + rows + "094001,6000\n")
    guesses, read = profile_columns(path, file_type="csv")
    assert read == 6001
    assert [(g.name, g.logical) for g in guesses] == [("code", "string(255)"), ("n", "integer")]
    assert "'094001' (data row 6,001) has a leading zero" in guesses[0].basis
    assert "6,001 values in 6,001 rows" in guesses[1].basis


def test_values_that_would_change_as_numbers_keep_their_column_text(write):
    path = write(
        "s.csv",
        (
            "plus,digits,big,gender,mixed,dmy,na\n"
            "+2,0.12345678901234567891,12345678901234567890,f,yes,31/01/2024,NA\n"
            "3,1.5,1,f,Yes,01/02/2024,4\n"
        ),
    )
    guesses, _ = profile_columns(path, file_type="csv")
    logical = {g.name: g.logical for g in guesses}
    assert logical == {
        "plus": "string(255)",
        "digits": "string(255)",
        "big": "string(255)",
        "gender": "string(255)",
        "mixed": "string(255)",
        "dmy": "string(255)",
        "na": "integer",  # NA is a null marker
    }
    basis = {g.name: g.basis for g in guesses}
    assert "has a leading +" in basis["plus"]
    assert "more digits than a FLOAT holds" in basis["digits"]
    assert "only 'f' seen" in basis["gender"]
    assert "date order" in basis["dmy"]


def test_sample_rows_can_still_be_limited(write):
    rows = "".join(f"{i}\n" for i in range(50)) + "not a number\n"
    path = write("s.csv", "n\n" + rows)
    assert sample_schema(path, file_type="csv", sample_rows=50) == [("n", "integer")]
    assert sample_schema(path, file_type="csv") == [("n", "string(255)")]


def test_string_widths_have_headroom():
    assert string_type(3) == "string(255)"
    assert string_type(200) == "string(500)"
    assert string_type(1500) == "string(4000)"
    assert string_type(2500) == "string(8000)"  # beyond 4000: unbounded text


def test_excel_native_types(tmp_path):
    path = tmp_path / "s.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "amount", "when", "label"])
    book.active.append([1, 2.5, dt.datetime(2024, 1, 1, 8), "x" * 300])
    book.save(path)
    assert sample_schema(path, file_type="excel") == [
        ("id", "integer"),
        ("amount", "float"),
        ("when", "datetime"),
        ("label", "string(1000)"),
    ]


def test_custom_parser_sample(write):
    path = write("r.csv", "t\nt\nid,name\n1,a\nEND OF REPORT\n")
    assert sample_schema(path, file_type="custom", parser_function="parse_report_with_footer") == [
        ("id", "integer"),
        ("name", "string(255)"),
    ]
