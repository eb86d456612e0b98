"""Built-in read options, the parser registry and the header rules, each checked on its own."""

from __future__ import annotations

import errno
from pathlib import Path

import pyarrow as pa
import pytest

from elt_project.errors import ConfigurationError, SourceFileError, TransientError
from elt_project.ingest import base, options, registry
from elt_project.ingest.delimited import CsvParser
from elt_project.ingest.source_kinds import REMOTE_SOURCE_FUNCTIONS


def _read(raw, file_type="csv"):
    return options.builtin_read_options({"read_options": raw}, file_type=file_type)


def test_read_options_accept_tabs_single_characters_and_known_encodings():
    assert _read({"sep": "\\t"}).delimiter == "\t"
    assert _read({"delimiter": "tab"}).delimiter == "\t"
    assert _read({"delimiter": ";"}).delimiter == ";"
    assert _read({"encoding": "AUTO"}).encoding == "AUTO"
    assert _read({"encoding": "cp1252", "skiprows": 2, "sheet_name": 1}).skiprows == 2
    assert _read({}) == options.BuiltinReadOptions()
    assert options.builtin_read_options(None, file_type="csv").encoding is None


def test_bad_read_options_name_the_key_in_one_sentence():
    with pytest.raises(ConfigurationError) as err:
        _read({"skip_rows": 1}, file_type="excel")
    assert str(err.value) == (
        "read_options key 'skip_rows' is not supported for file_type 'excel'; remove it, or use parser_function "
        "'generic_configurable_parser' for pandas-style options."
    )
    with pytest.raises(ConfigurationError) as err:
        _read({"delimiter": ";;"})
    assert (
        str(err.value)
        == "read_options.delimiter is invalid (Value error, must be a single character); fix it in scraper_config."
    )
    with pytest.raises(
        ConfigurationError, match=r"read_options.encoding is invalid .*'klingon' is not a known encoding"
    ):
        _read({"encoding": "klingon"})
    with pytest.raises(ConfigurationError, match=r"read_options.skiprows is invalid"):
        _read({"skiprows": -1})
    with pytest.raises(ConfigurationError) as err:
        options.read_options_of({"read_options": ["sep"]})
    assert str(err.value) == "scraper_config.read_options must be a JSON object ({...}); fix the config row."
    assert options.read_options_of({"read_options": None}) == {}
    assert options.read_options_of({}) == {}


def test_encoding_names():
    assert options.check_encoding("Latin-1") == "iso8859-1"
    with pytest.raises(ValueError, match="'nope' is not a known encoding"):
        options.check_encoding("nope")
    assert options.is_utf8(None) and options.is_utf8("UTF8") and options.is_utf8("utf-8-sig")
    assert not options.is_utf8("cp1252") and not options.is_utf8("utf-16")


def test_the_registry_reads_types_in_any_case_and_refuses_unknown_ones():
    assert registry.parser_for("CSV") is CsvParser
    assert registry.extensions_for("Csv") == CsvParser.extensions
    assert registry.extensions_for("nope") is None
    assert registry.extensions_for(None) is None
    assert {"csv", "psv", "tsv", "txt", "excel", "xlsx", "json", "parquet"} <= registry.registered_file_types()
    with pytest.raises(ConfigurationError) as err:
        registry.parser_for("docx")
    known = ", ".join(sorted(registry.registered_file_types()))
    assert str(err.value) == f"file_type 'docx' has no parser; use one of {known} or set parser_function."
    with pytest.raises(ConfigurationError, match="file_type 'None' has no parser"):
        registry.parser_for(None)


def test_registering_a_parser_needs_lower_case_dotted_endings(monkeypatch):
    monkeypatch.setattr(registry, "_PARSERS", dict(registry._PARSERS))

    class NoEndings(CsvParser):
        extensions = frozenset()

    class Upper(CsvParser):
        extensions = frozenset({".CSV"})

    class Undotted(CsvParser):
        extensions = frozenset({".abc", "abc"})

    class Fine(CsvParser):
        extensions = frozenset({".abc"})

    for parser in (NoEndings, Upper, Undotted):
        with pytest.raises(TypeError, match=f"{parser.__name__} must list the file endings it reads"):
            registry.register_parser("abc", parser)
    with pytest.raises(TypeError, match="is not a Parser subclass"):
        registry.register_parser("abc", object)
    with pytest.raises(TypeError, match="is not a Parser subclass"):
        registry.register_parser("abc", CsvParser())
    registry.register_parser("ABC", Fine)
    assert registry.parser_for("abc") is Fine
    assert registry.is_known_source("Abc", None)


def test_custom_parsers_are_looked_up_by_name_only():
    assert (
        registry.custom_parser("parse_report_with_footer")
        is registry.ALLOWED_CUSTOM_PARSERS["parse_report_with_footer"]
    )
    with pytest.raises(ConfigurationError) as err:
        registry.custom_parser("os.system")
    assert str(err.value) == (
        "parser_function 'os.system' is not an allowed custom parser; add the function to "
        "ALLOWED_CUSTOM_PARSERS in elt_project/ingest/registry.py or fix the config row."
    )
    remote = sorted(REMOTE_SOURCE_FUNCTIONS)[0]
    with pytest.raises(ConfigurationError, match=f"parser_function '{remote}' fetches from a remote source"):
        registry.custom_parser(remote)
    assert registry.is_known_source("docx", "generic_configurable_parser")
    assert registry.is_known_source("docx", remote)
    assert not registry.is_known_source("csv", "os.system")
    assert not registry.is_known_source("docx", None)
    assert not registry.is_known_source(None, "")


def test_header_names_are_cleaned_and_duplicates_refused_whatever_their_case():
    assert base.unique_column_names(["\ufeff id ", None, "", 7, "Name"], source="f.csv") == [
        "id", "column_2", "column_3", "7", "Name",
    ]  # fmt: skip
    with pytest.raises(SourceFileError) as err:
        base.unique_column_names(["a", "ID", "b", "id"], source="f.csv")
    assert str(err.value) == (
        "f.csv: column 'id' appears twice in the header (columns 2 and 4); rename one of them in the file."
    )


def test_file_errors_tell_a_vanished_file_a_folder_and_a_locked_file_apart(tmp_path):
    path = tmp_path / "a.csv"
    gone = base.file_access_error(path, OSError(errno.ENOENT, "gone"))
    assert isinstance(gone, SourceFileError) and "a.csv no longer exists" in str(gone)
    folder = base.file_access_error(path, IsADirectoryError(errno.EISDIR, "dir"))
    assert str(folder) == f"{path} is a folder, not a file; point the import at a file."
    locked = base.file_access_error(path, PermissionError(errno.EACCES, "Permission denied"))
    assert isinstance(locked, TransientError)
    assert str(locked) == (
        "a.csv could not be read (Permission denied); close any program holding it open and run the import again."
    )
    assert "(OSError)" in str(base.file_access_error(path, OSError()))
    with pytest.raises(SourceFileError, match=r"^empty.csv: file is empty; replace it with a file that has a header"):
        base.ensure_not_empty(_touch(tmp_path / "empty.csv", b""))
    assert base.ensure_not_empty(_touch(tmp_path / "one.csv", b"a\n")) == 2
    with pytest.raises(SourceFileError, match="no longer exists"):
        base.ensure_not_empty(tmp_path / "missing.csv")
    schema = pa.schema([("a", pa.string()), ("b", pa.int64())])
    empty = base.empty_batch(schema)
    assert (empty.num_rows, empty.schema) == (0, schema)


def _touch(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
