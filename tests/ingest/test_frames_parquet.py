"""DataFrames to Arrow batches with one schema, Parquet streaming, and the footer report parser."""

from __future__ import annotations

import datetime as dt
import decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest.custom_parsers import parse_report_with_footer
from elt_project.ingest.frames import FrameConverter, _column_array, _is_missing, frames_to_batches
from elt_project.ingest.parquet_source import ParquetParser


def _rows(batches) -> list[dict]:
    return [row for batch in batches for row in batch.to_pylist()]


def test_frames_keep_the_first_schema_and_slice_by_batch_rows():
    frames = [pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]}), pd.DataFrame({"a": [4.0], "b": ["z"]})]
    batches = list(frames_to_batches(frames, batch_rows=2, source="f.csv"))
    assert [b.num_rows for b in batches] == [2, 1, 1]
    assert all(b.schema == pa.schema([("a", pa.int64()), ("b", pa.string())]) for b in batches)
    assert _rows(batches)[-1] == {"a": 4, "b": "z"}
    # an empty frame still yields one empty batch carrying its columns
    (empty,) = frames_to_batches([pd.DataFrame({"a": pd.Series([], dtype="int64")})], batch_rows=5, source="f")
    assert (empty.num_rows, empty.schema.names) == (0, ["a"])
    assert list(frames_to_batches([], batch_rows=5, source="f")) == []


def test_an_all_null_first_frame_makes_text_columns():
    frames = [pd.DataFrame({"a": [None, None]}), pd.DataFrame({"a": ["later"]})]
    batches = list(frames_to_batches(frames, batch_rows=10, source="f"))
    assert [b.schema.field("a").type for b in batches] == [pa.string(), pa.string()]
    assert _rows(batches) == [{"a": None}, {"a": None}, {"a": "later"}]


def test_frames_that_change_shape_or_type_part_way_are_named():
    converter = FrameConverter(source="f.csv")
    list(converter.batches(pd.DataFrame({"a": [1], "b": [2]}), batch_rows=5))
    with pytest.raises(SourceFileError) as err:
        list(converter.batches(pd.DataFrame({"b": [1], "a": [2]}), batch_rows=5))
    assert str(err.value) == "f.csv: the columns changed part-way through the file; make every part use one header."
    with pytest.raises(SourceFileError) as err:
        list(converter.batches(pd.DataFrame({"a": ["x"], "b": [2]}), batch_rows=5))
    assert str(err.value) == (
        "f.csv: column 'a' changes from int64 to string part-way through the file; "
        'set read_options.dtype for it (e.g. "str").'
    )
    with pytest.raises(SourceFileError) as err:
        list(FrameConverter(source="g.csv").batches(pd.DataFrame([[1, 2]], columns=["a", "a"]), batch_rows=5))
    assert str(err.value) == "g.csv: column 'a' appears twice; give every column a distinct name."
    with pytest.raises(SourceFileError) as err:
        list(frames_to_batches([[1, 2]], batch_rows=5, source="h.csv"))
    assert str(err.value) == "h.csv: the parser returned list, not a pandas DataFrame; fix the parser."
    with pytest.raises(RuntimeError, match="_conform needs the first batch's schema"):
        FrameConverter(source="f")._conform(pa.record_batch([pa.array([1])], names=["a"]))


def test_mixed_python_objects_become_text_and_missing_values_stay_null():
    mixed = _column_array(pd.Series([1, "a", None, float("nan"), dt.date(2026, 1, 2)], dtype=object))
    assert mixed.type == pa.string()
    assert mixed.to_pylist()[0:4] == ["1", "a", None, None]
    assert _column_array(pd.Series(["a", "b"], dtype="string[pyarrow]")).type == pa.string()
    huge = _column_array(pd.Series([10**30, decimal.Decimal("1.5")], dtype=object))
    assert huge.type == pa.string()
    for missing in (None, float("nan"), pd.NA, pd.NaT):
        assert _is_missing(missing)
    for present in (0, "", "nan", 0.0):
        assert not _is_missing(present)


def test_parquet_streams_row_groups_and_an_empty_file_yields_its_schema(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": list(range(5)), "b": list("vwxyz")}), path, row_group_size=2)
    batches = list(ParquetParser().batches(path, batch_rows=2))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    assert _rows(batches)[4] == {"a": 4, "b": "z"}
    empty = tmp_path / "e.parquet"
    pq.write_table(pa.table({"a": pa.array([], pa.int32())}), empty)
    (only,) = ParquetParser().batches(empty, batch_rows=10)
    assert (only.num_rows, only.schema.field("a").type) == (0, pa.int32())


def test_a_file_that_is_not_parquet_is_named(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(SourceFileError) as err:
        list(ParquetParser().batches(bad, batch_rows=10))
    assert str(err.value) == "bad.parquet is not a readable Parquet file; re-export it as Parquet."
    with pytest.raises(SourceFileError, match="gone.parquet no longer exists"):
        list(ParquetParser().batches(tmp_path / "gone.parquet", batch_rows=10))


def test_the_report_parser_drops_title_lines_and_everything_from_the_last_footer(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(
        "Report\nDate: today\nid,name\n1,Zoë\n2,\n3,NA\n4,END OF REPORT mentioned\nEND OF REPORT\nrows: 3\n".encode(
            "latin1"
        )
    )
    frame = parse_report_with_footer(str(path))
    assert frame.columns.tolist() == ["id", "name"]
    assert frame["name"].tolist()[0] == "Zoë" and pd.isna(frame["name"][1])  # only the empty field is missing
    assert frame["name"].tolist()[2] == "NA"  # words are kept as they are
    assert len(frame) == 4
    no_footer = tmp_path / "n.csv"
    no_footer.write_bytes(b"T\nT\nid\n007\n")
    assert parse_report_with_footer(str(no_footer))["id"].tolist() == ["007"]
    titles_only = tmp_path / "t.csv"
    titles_only.write_bytes(b"T\nT\n")
    with pytest.raises(SourceFileError) as err:
        parse_report_with_footer(str(titles_only))
    assert str(err.value) == "t.csv: file is empty below its title lines; check the export."
    ragged = tmp_path / "g.csv"
    ragged.write_bytes(b"T\nT\na,b\n1,2\n1,2,3,4\n")
    with pytest.raises(SourceFileError, match=r"^g.csv: the report body is not valid CSV \(.*\); check the export.$"):
        parse_report_with_footer(str(ragged))
