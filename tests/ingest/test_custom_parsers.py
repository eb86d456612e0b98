"""Allow-listed custom parsers and the JSON-driven configurable parser."""

from __future__ import annotations

import pyarrow as pa
import pytest

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest import registry
from elt_project.ingest.custom_parsers import parse_report_with_footer
from elt_project.ingest.reader import read_batches
from tests.ingest.conftest import read_all

REPORT = "ACME monthly report\nGenerated 2024-01-31\nid,name,amount\n1,Ann,10\n2,Zoë,20\nEND OF REPORT\nRows: 2\n"


def test_report_with_footer_returns_a_dataframe(write):
    path = write("report.csv", REPORT, encoding="latin1")
    frame = parse_report_with_footer(str(path))
    assert list(frame.columns) == ["id", "name", "amount"]
    assert frame.to_dict("records") == [
        {"id": "1", "name": "Ann", "amount": "10"},
        {"id": "2", "name": "Zoë", "amount": "20"},
    ]


def test_report_footer_uses_the_last_marker(write):
    text = REPORT.replace("2,Zoë,20", "2,END OF REPORT soon,20")
    path = write("report.csv", text, encoding="latin1")
    frame = parse_report_with_footer(str(path))
    assert frame["name"].tolist() == ["Ann", "END OF REPORT soon"]


def test_custom_parser_through_read_batches_in_chunks(write):
    body = "".join(f"{i},n{i},{i}\n" for i in range(25))
    path = write("report.csv", "t\nt\nid,name,amount\n" + body + "END OF REPORT\n")
    batches, table = read_all(path, file_type="custom", parser_function="parse_report_with_footer", batch_rows=10)
    assert [b.num_rows for b in batches] == [10, 10, 5]
    assert table.column_names == ["id", "name", "amount"]
    assert table.column("id").to_pylist() == [str(i) for i in range(25)]


@pytest.mark.parametrize("name", ["not_a_parser", "os.system", "__import__", "eval"])
def test_unknown_custom_parser_halts(write, name):
    path = write("x.csv", "a\n1\n")
    with pytest.raises(ConfigurationError, match=f"parser_function '{name}' is not an allowed custom parser"):
        read_batches(path, file_type="custom", parser_function=name)
    assert not registry.is_known_source("custom", name)


def test_non_callable_entry_is_refused(write, monkeypatch):
    monkeypatch.setitem(registry.ALLOWED_CUSTOM_PARSERS, "broken", "parse_report_with_footer")
    path = write("x.csv", "a\n1\n")
    with pytest.raises(ConfigurationError, match="not an allowed custom parser"):
        read_batches(path, file_type="custom", parser_function="broken")
    assert not registry.is_known_source("custom", "broken")


def test_is_known_source():
    assert registry.is_known_source("CSV", None)
    assert registry.is_known_source("custom", "parse_report_with_footer")
    assert registry.is_known_source("custom_csv", "generic_configurable_parser")
    assert not registry.is_known_source("dat", None)


def test_register_parser_adds_a_type(write, monkeypatch):
    from elt_project.ingest.delimited import DelimitedParser

    class SemicolonParser(DelimitedParser):
        file_type = "ssv"
        delimiter = ";"

    monkeypatch.setitem(registry._PARSERS, "ssv", SemicolonParser)
    path = write("x.ssv", "a;b\n1;2\n")
    _, table = read_all(path, file_type="ssv")
    assert table.to_pylist() == [{"a": "1", "b": "2"}]


def configurable(write, text: str, options: dict, encoding: str = "utf-8", **kwargs):
    path = write("conf.txt", text, encoding=encoding)
    return read_all(
        path, file_type="custom_csv", parser_function="generic_configurable_parser", options=options, **kwargs
    )


def test_configurable_skiprows_delimiter_encoding_footer(write):
    text = "Title\nSub title\nRun 5\nid;name;amount\n1;José;1,5\n2;Ann;2\nEND OF DATA\ntotal;2\n"
    options = {
        "read_options": {"skiprows": 3, "delimiter": ";", "encoding": "latin1"},
        "pre_processing": {"skip_footer_until_string": "END OF DATA"},
    }
    _, table = configurable(write, text, options, encoding="latin1")
    assert table.schema == pa.schema([("id", pa.string()), ("name", pa.string()), ("amount", pa.string())])
    assert table.to_pylist() == [
        {"id": "1", "name": "José", "amount": "1,5"},
        {"id": "2", "name": "Ann", "amount": "2"},
    ]


def test_configurable_header_marker_and_numbers(write):
    text = "junk\nmore junk\nid|amount\n1|1.234,5\n2|\n"
    options = {
        "read_options": {"sep": "|", "decimal": ",", "thousands": "."},
        "pre_processing": {"skip_header_until_string": "id|amount"},
    }
    _, table = configurable(write, text, options)
    assert table.column("amount").to_pylist() == [1234.5, None]


def test_configurable_streams_in_chunks_with_one_schema(write):
    text = "a,b\n" + "".join(f"{i},{'' if i % 7 else 'x'}\n" for i in range(100))
    batches, table = configurable(write, text, {}, batch_rows=15)
    assert len(batches) == 7
    assert {b.schema for b in batches} == {pa.schema([("a", pa.string()), ("b", pa.string())])}
    assert table.num_rows == 100


def test_configurable_unknown_read_option(write):
    path = write("c.txt", "a\n1\n")
    with pytest.raises(ConfigurationError, match="read_options key 'engine' is not supported"):
        read_batches(
            path,
            file_type="x",
            parser_function="generic_configurable_parser",
            options={"read_options": {"engine": "python"}},
        )


def test_configurable_unknown_pre_processing_key(write):
    path = write("c.txt", "a\n1\n")
    with pytest.raises(ConfigurationError, match="pre_processing key 'run_shell' is not supported"):
        read_batches(
            path,
            file_type="x",
            parser_function="generic_configurable_parser",
            options={"pre_processing": {"run_shell": "rm -rf /"}},
        )


def test_configurable_missing_header_marker(write):
    path = write("c.txt", "a\n1\n")
    with pytest.raises(SourceFileError, match="no line containing 'START'"):
        list(
            read_batches(
                path,
                file_type="x",
                parser_function="generic_configurable_parser",
                options={"pre_processing": {"skip_header_until_string": "START"}},
            )
        )


def test_configurable_footer_marker_absent_reads_everything(write):
    _, table = configurable(write, "a\n1\n2\n", {"pre_processing": {"skip_footer_until_string": "END"}})
    assert table.column("a").to_pylist() == ["1", "2"]


def test_configurable_wrong_encoding_hint(write):
    path = write("c.txt", b"a\nJos\xe9\n")
    with pytest.raises(SourceFileError, match="read_options.encoding"):
        list(read_batches(path, file_type="x", parser_function="generic_configurable_parser"))


def test_configurable_header_only(write):
    batches, table = configurable(write, "a,b\n", {})
    assert len(batches) == 1
    assert table.num_rows == 0 and table.column_names == ["a", "b"]


def test_custom_parser_failure_names_parser_and_cause(write, monkeypatch):
    def parse_by_column(file_path: str):
        import pandas as pd

        return pd.read_csv(file_path)[["missing"]]

    monkeypatch.setitem(registry.ALLOWED_CUSTOM_PARSERS, "parse_by_column", parse_by_column)
    path = write("report.csv", "a\n1\n")
    with pytest.raises(SourceFileError) as err:
        list(read_batches(path, file_type="custom", parser_function="parse_by_column"))
    assert "custom parser parse_by_column could not read report.csv (KeyError" in str(err.value)


def test_report_parser_on_a_file_without_body(write):
    path = write("report.csv", "only one line\n")
    with pytest.raises(SourceFileError, match="file is empty below its title lines"):
        list(read_batches(path, file_type="custom", parser_function="parse_report_with_footer"))
