"""csv, psv, tsv and txt files through read_batches."""

from __future__ import annotations

import pyarrow as pa
import pytest

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest.reader import read_batches
from tests.ingest.conftest import read_all


@pytest.mark.parametrize(
    ("file_type", "delimiter"), [("csv", ","), ("psv", "|"), ("tsv", "\t"), ("txt", ";"), ("txt", "|")]
)
def test_round_trip_every_delimited_type(write, file_type, delimiter):
    text = delimiter.join(["id", "name", "amount"]) + "\n"
    text += delimiter.join(["007", '"Smith, J"' if delimiter == "," else "Smith, J", "1.50"]) + "\n"
    text += delimiter.join(["8", "", "NULL"]) + "\n"
    path = write(f"data.{file_type}", text)

    _, table = read_all(path, file_type=file_type)

    assert table.schema == pa.schema([("id", pa.string()), ("name", pa.string()), ("amount", pa.string())])
    assert table.to_pylist() == [
        {"id": "007", "name": "Smith, J", "amount": "1.50"},
        {"id": "8", "name": None, "amount": "NULL"},  # only empty is null; text "NULL" survives
    ]


def test_quoted_newlines_and_crlf(write):
    path = write("q.csv", 'a,b\r\n1,"line one\r\nline two"\r\n2,x\r\n')
    _, table = read_all(path, file_type="csv")
    assert table.column("b").to_pylist() == ["line one\r\nline two", "x"]


def test_bom_and_spaces_are_stripped_from_header(write):
    path = write("bom.csv", b"\xef\xbb\xbf Customer ID , Name\n1,Ann\n")
    _, table = read_all(path, file_type="csv")
    assert table.column_names == ["Customer ID", "Name"]
    assert table.to_pylist() == [{"Customer ID": "1", "Name": "Ann"}]


def test_blank_header_gets_positional_name(write):
    path = write("blank.csv", "a,,c\n1,2,3\n")
    _, table = read_all(path, file_type="csv")
    assert table.column_names == ["a", "column_2", "c"]


def test_latin1_with_encoding_option(write):
    path = write("l1.csv", "name,city\nJosé,Köln\n", encoding="latin1")
    _, table = read_all(path, file_type="csv", options={"read_options": {"encoding": "latin1"}})
    assert table.to_pylist() == [{"name": "José", "city": "Köln"}]


def test_undecodable_bytes_name_the_line_and_the_fix(write):
    path = write("bad.csv", b"name,city\nAnn,Paris\nBob,Paris\nJos\xe9,K\xf6ln\n")
    with pytest.raises(SourceFileError) as err:
        list(read_batches(path, file_type="csv"))
    assert "line 4" in str(err.value)
    assert "set read_options.encoding to 'cp1252' (or 'auto') in scraper_config" in str(err.value)


def test_undecodable_byte_deep_in_a_big_file_names_its_line(write):
    rows = "".join(f"{i},row{i}\n" for i in range(50_000))
    path = write("deep.csv", b"id,name\n" + rows.encode() + b"50000,caf\xe9\n")
    with pytest.raises(SourceFileError, match="line 50002 "):
        list(read_batches(path, file_type="csv", batch_rows=1000))


def test_undecodable_header(write):
    path = write("badhead.csv", b"na\xefme,city\nAnn,Paris\n")
    with pytest.raises(SourceFileError, match="line 1 .*read_options.encoding"):
        list(read_batches(path, file_type="csv"))


def test_empty_file_is_an_error(write):
    path = write("empty.csv", b"")
    with pytest.raises(SourceFileError, match="file is empty"):
        list(read_batches(path, file_type="csv"))


def test_whitespace_only_file_is_empty(write):
    path = write("blank.csv", "\n\n  \n")
    with pytest.raises(SourceFileError, match="file is empty"):
        list(read_batches(path, file_type="csv"))


def test_header_only_yields_one_empty_batch_with_the_schema(write):
    path = write("header.csv", "a,b\n")
    batches, table = read_all(path, file_type="csv")
    assert len(batches) == 1
    assert table.num_rows == 0
    assert table.column_names == ["a", "b"]


def test_ragged_row_names_its_line(write):
    path = write("ragged.csv", "a,b,c\n1,2,3\n4,5,6\n7,8\n9,10,11\n")
    with pytest.raises(SourceFileError) as err:
        list(read_batches(path, file_type="csv"))
    assert "line 4 has 2 fields but the header has 3" in str(err.value)


def test_row_with_extra_field_names_its_line(write):
    path = write("extra.csv", 'a,b\n1,"x\ny"\n2,3,4\n')
    with pytest.raises(SourceFileError, match="line 4 has 3 fields"):
        list(read_batches(path, file_type="csv"))


def test_wrong_delimiter_suggests_file_type(write):
    path = write("pipes.csv", "id|name|amount\n1|Ann|3\n")
    with pytest.raises(SourceFileError) as err:
        list(read_batches(path, file_type="csv"))
    assert "pipe-delimited" in str(err.value)
    assert "file_type to 'psv'" in str(err.value)


def test_wrong_delimiter_semicolon_suggests_delimiter_option(write):
    path = write("semi.csv", "id;name\n1;Ann\n")
    with pytest.raises(SourceFileError, match="read_options.delimiter to ';'"):
        list(read_batches(path, file_type="csv"))


def test_single_column_file_is_fine(write):
    path = write("one.csv", "name\nAnn\nBob\n")
    _, table = read_all(path, file_type="csv")
    assert table.column("name").to_pylist() == ["Ann", "Bob"]


def test_txt_delimiter_from_options(write):
    path = write("x.txt", "a#b\n1#2\n")
    _, table = read_all(path, file_type="txt", options={"read_options": {"delimiter": "#"}})
    assert table.to_pylist() == [{"a": "1", "b": "2"}]


def test_txt_sniffs_tab(write):
    path = write("x.txt", "a\tb, with comma\n1\t2\n")
    _, table = read_all(path, file_type="txt")
    assert table.column_names == ["a", "b, with comma"]


def test_duplicate_header_is_an_error(write):
    path = write("dup.csv", "id,Name,name\n1,a,b\n")
    with pytest.raises(SourceFileError, match="column 'name' appears twice .*columns 2 and 3"):
        list(read_batches(path, file_type="csv"))


def test_ten_megabyte_single_field(write):
    big = "x" * (10 * 1024 * 1024)
    path = write("big.csv", f'a,b\n1,"{big}"\n2,small\n')
    _, table = read_all(path, file_type="csv", batch_rows=1000)
    assert table.num_rows == 2
    assert len(table.column("b")[0].as_py()) == len(big)
    assert table.column("b")[1].as_py() == "small"


def test_big_field_after_many_rows_does_not_duplicate_rows(write):
    rows = "".join(f"{i},v{i}\n" for i in range(5000))
    path = write("late.csv", "a,b\n" + rows + '5000,"' + "y" * (3 * 1024 * 1024) + '"\n5001,z\n')
    _, table = read_all(path, file_type="csv", batch_rows=500)
    assert table.column("a").to_pylist() == [str(i) for i in range(5002)]


def test_skiprows_option(write):
    path = write("skip.csv", "Report title\nGenerated today\na,b\n1,2\n")
    _, table = read_all(path, file_type="csv", options={"read_options": {"skiprows": 2}})
    assert table.to_pylist() == [{"a": "1", "b": "2"}]


def test_unknown_read_option_for_builtin_type(write):
    path = write("x.csv", "a\n1\n")
    with pytest.raises(ConfigurationError, match="read_options key 'thousands' is not supported"):
        read_batches(path, file_type="csv", options={"read_options": {"thousands": ","}})


def test_unknown_encoding_is_a_configuration_error(write):
    path = write("x.csv", "a\n1\n")
    with pytest.raises(ConfigurationError, match="encoding"):
        list(read_batches(path, file_type="csv", options={"read_options": {"encoding": "klingon"}}))


def test_unknown_file_type(write):
    path = write("x.dat", "a\n1\n")
    with pytest.raises(ConfigurationError, match="file_type 'dat' has no parser"):
        read_batches(path, file_type="dat")


def test_streams_a_200k_row_file_in_several_batches(write):
    rows = "".join(f"{i},name{i},{i * 3}\n" for i in range(200_000))
    path = write("big.csv", "id,name,value\n" + rows)
    sizes = [batch.num_rows for batch in read_batches(path, file_type="csv", batch_rows=20_000)]
    assert sum(sizes) == 200_000
    assert sizes == [20_000] * 10  # blocks are re-cut to exactly batch_rows


def test_default_batch_size_is_bounded(write):
    rows = "".join(f"{i},name{i}\n" for i in range(200_000))
    path = write("big.csv", "id,name\n" + rows)
    sizes = [batch.num_rows for batch in read_batches(path, file_type="csv")]
    assert sum(sizes) == 200_000
    assert len(sizes) > 1 and max(sizes) <= 65_536


def test_file_deleted_before_reading(write):
    path = write("gone.csv", "a\n1\n")
    path.unlink()
    with pytest.raises(SourceFileError, match="no longer exists"):
        list(read_batches(path, file_type="csv"))


def test_file_deleted_after_the_reader_was_made(write):
    path = write("gone.csv", "a\n1\n")
    batches = read_batches(path, file_type="csv")
    path.unlink()
    with pytest.raises(SourceFileError, match="no longer exists"):
        list(batches)


def test_blank_lines_before_header_and_between_rows(write):
    path = write("gaps.csv", "\r\n  \r\na,b\r\n\r\n1,2\r\n")
    _, table = read_all(path, file_type="csv")
    assert table.to_pylist() == [{"a": "1", "b": "2"}]


def test_quoted_header_name_spanning_lines(write):
    path = write("qh.csv", '"Amount\nin EUR",b\n1,2\n3,4\n')
    _, table = read_all(path, file_type="csv")
    assert table.column_names == ["Amount\nin EUR", "b"]
    assert table.num_rows == 2


def test_utf16_with_encoding_option(write):
    path = write("u16.csv", "a,b\n1,é\n", encoding="utf-16")
    _, table = read_all(path, file_type="csv", options={"read_options": {"encoding": "utf-16"}})
    assert table.to_pylist() == [{"a": "1", "b": "é"}]


def test_cp1252_undefined_byte_names_the_line(write):
    path = write("w.csv", b"a,b\n1,ok\n2,\x81\n")
    with pytest.raises(SourceFileError, match="line 3 is not valid cp1252 text"):
        list(read_batches(path, file_type="csv", options={"read_options": {"encoding": "cp1252"}}))


def test_last_line_without_newline(write):
    path = write("nonl.csv", "a,b\n1,2")
    _, table = read_all(path, file_type="csv")
    assert table.to_pylist() == [{"a": "1", "b": "2"}]


def test_whitespace_only_lines_are_skipped(write):
    path = write("ws.csv", "a,b\n1,2\n   \n3,4\n \t \n")
    _, table = read_all(path, file_type="csv")
    assert table.to_pylist() == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_ragged_row_after_a_whitespace_line_is_still_found(write):
    path = write("ws.csv", "a,b\n1,2\n   \n3,4,5\n")
    with pytest.raises(SourceFileError, match="line 4 has 3 fields"):
        list(read_batches(path, file_type="csv"))
