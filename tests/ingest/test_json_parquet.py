"""JSON (array and JSON Lines) and Parquet files."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest.reader import read_batches
from tests.ingest.conftest import read_all

RECORDS = [
    {"id": 1, "name": "Ann", "score": 1.5, "tags": ["a", "b"]},
    {"id": 2, "name": None, "score": 2, "extra": True},
]


def test_json_array_round_trip(write):
    path = write("a.json", json.dumps(RECORDS, indent=2))
    _, table = read_all(path, file_type="json")
    assert table.column_names == ["id", "name", "score", "tags", "extra"]
    assert table.schema.field("id").type == pa.int64()
    assert table.schema.field("score").type == pa.float64()
    assert table.to_pylist() == [
        {"id": 1, "name": "Ann", "score": 1.5, "tags": '["a", "b"]', "extra": None},
        {"id": 2, "name": None, "score": 2.0, "tags": None, "extra": True},
    ]


def test_json_lines_round_trip(write):
    path = write("a.jsonl", "\n".join(json.dumps(r) for r in RECORDS) + "\n")
    _, table = read_all(path, file_type="json")
    assert table.column("id").to_pylist() == [1, 2]


def test_json_lines_across_chunks_and_batches(write):
    records = [{"id": i, "text": "x" * 50} for i in range(30_000)]  # > 1 MiB: spans read chunks
    path = write("many.jsonl", "\n".join(json.dumps(r) for r in records))
    batches, table = read_all(path, file_type="json", batch_rows=4000)
    assert len(batches) == 8
    assert table.column("id").to_pylist() == list(range(30_000))


def test_json_array_schema_is_planned_from_all_rows(write):
    records = [{"v": i} for i in range(10)] + [{"v": "ten"}]
    path = write("mixed.json", json.dumps(records))
    batches, table = read_all(path, file_type="json", batch_rows=3)
    assert {b.schema.field("v").type for b in batches} == {pa.string()}
    assert table.column("v").to_pylist()[-1] == "ten"


@pytest.mark.parametrize("document", ['{"data": {\n  "rows": [1, 2]\n}}', "[1, 2, 3]", '"text"', "[[1, 2]]"])
def test_non_tabular_json_is_refused(write, document):
    path = write("doc.json", document)
    with pytest.raises(SourceFileError, match="not tabular JSON"):
        list(read_batches(path, file_type="json"))


def test_truncated_json(write):
    path = write("cut.json", '[{"a": 1}, {"a": 2')
    with pytest.raises(SourceFileError, match="item 2 is not valid JSON"):
        list(read_batches(path, file_type="json"))


def test_empty_json_array(write):
    path = write("e.json", "[]")
    batches, table = read_all(path, file_type="json")
    assert len(batches) == 1 and table.num_rows == 0


def test_parquet_round_trip_in_batches(tmp_path):
    table = pa.table({"id": pa.array(range(1000), pa.int32()), "name": [f"n{i}" for i in range(1000)]})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=300)
    batches, read = read_all(path, file_type="parquet", batch_rows=250)
    assert max(b.num_rows for b in batches) <= 250
    assert read.equals(table)


def test_parquet_without_rows(tmp_path):
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.int64())}), path)
    batches, read = read_all(path, file_type="parquet")
    assert len(batches) == 1 and read.num_rows == 0 and read.column_names == ["id"]


def test_not_parquet(write):
    path = write("x.parquet", "a,b\n")
    with pytest.raises(SourceFileError, match="not a readable Parquet file"):
        list(read_batches(path, file_type="parquet"))
