"""Encodings: byte-order marks need no setting, 'auto' detects, and failures suggest what reads cleanly."""

from __future__ import annotations

import codecs

import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest.encoding import detect_bytes
from elt_project.ingest.reader import read_batches
from tests.ingest.conftest import read_all

TEXT = "name,city,price\nJosé,Köln,€5 – “net”\nRenée,Zürich,3\n"
ROWS = [
    {"name": "José", "city": "Köln", "price": "€5 – “net”"},
    {"name": "Renée", "city": "Zürich", "price": "3"},
]


@pytest.mark.parametrize(
    ("codec", "bom"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
        ("utf-8", codecs.BOM_UTF8),
    ],
)
def test_a_byte_order_mark_is_read_without_any_setting(write, codec, bom):
    path = write(f"bom_{codec}.csv", bom + TEXT.replace("\n", "\r\n").encode(codec))
    _, table = read_all(path, file_type="csv")
    assert table.column_names == ["name", "city", "price"]
    assert table.to_pylist() == ROWS


def test_a_wrong_single_byte_setting_does_not_beat_a_utf16_mark(write):
    path = write("u16.csv", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    _, table = read_all(path, file_type="csv", options={"read_options": {"encoding": "latin1"}})
    assert table.to_pylist() == ROWS


def test_cp1252_file_gets_cp1252_advice_not_latin1(write):
    path = write("win.csv", TEXT.encode("cp1252"))
    with pytest.raises(SourceFileError) as err:
        list(read_batches(path, file_type="csv"))
    message = str(err.value)
    assert "line 2 is not valid utf-8 text" in message
    assert "set read_options.encoding to 'cp1252' (or 'auto')" in message
    _, table = read_all(path, file_type="csv", options={"read_options": {"encoding": "cp1252"}})
    assert table.to_pylist() == ROWS


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (TEXT, "cp1252"),
        ("όνομα,πόλη\nΓιώργος,Αθήνα\nΜαρία,Θεσσαλονίκη\n", "cp1253"),
        ("imię,miasto\nŁukasz,Łódź\nZofia,Kraków\n", "cp1250"),
        ("имя,город\nИван,Москва\nОльга,Казань\n", "cp1251"),
    ],
)
def test_auto_reads_windows_code_pages(write, text, codec):
    path = write(f"auto_{codec}.csv", text.encode(codec))
    _, table = read_all(path, file_type="csv", options={"read_options": {"encoding": "auto"}})
    lines = text.splitlines()
    assert table.column_names == lines[0].split(",")
    assert [",".join(row.values()) for row in table.to_pylist()] == lines[1:]


def test_latin1_only_text_is_suggested_as_cp1252():
    assert detect_bytes("name,city\nJosé,Köln\nFrançois,Besançon\n".encode("latin-1")) == "cp1252"


def test_utf8_needs_no_detection():
    assert detect_bytes("a,b\nJosé,Köln\n".encode()) is None


def test_configurable_parser_takes_auto_and_byte_order_marks(write):
    parser = {"file_type": "custom", "parser_function": "generic_configurable_parser"}
    path = write("conf.csv", TEXT.encode("cp1252"))
    _, table = read_all(path, **parser, options={"read_options": {"encoding": "auto"}})
    assert table.to_pylist() == ROWS
    marked = write("conf16.csv", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    _, table = read_all(marked, **parser, options={"read_options": {}})
    assert table.to_pylist() == ROWS
