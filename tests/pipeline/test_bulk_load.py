"""The per-dialect bulk load: all rows or none, NULL kept apart from the empty string."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from elt_project.db import dialects
from tests.pipeline.conftest import execute, query


def _table(engine):
    execute(engine, "CREATE TABLE bl (a VARCHAR(20), b VARCHAR(20), n BIGINT)")
    return sa.Table("bl", sa.MetaData(), autoload_with=engine)


@pytest.mark.parametrize("rows", [3, dialects.SQLITE_CHILD_MIN_ROWS])  # executemany / child-process paths
def test_bulk_load_appends_all_rows_with_nulls(engine, rows):
    table = _table(engine)
    a = pa.array([None, "", "x,\"quoted\""] * (rows // 3) + [None] * (rows % 3), pa.string())
    batch = pa.record_batch([a, pa.array(["b"] * len(a)), pa.array(range(len(a)), pa.int64())], names=["a", "b", "n"])
    assert dialects.bulk_load(engine, table, iter([batch, batch])) == 2 * len(a)
    assert query(engine, "SELECT COUNT(*) FROM bl WHERE a IS NULL") == [(2 * (rows // 3) + 2 * (rows % 3),)]
    assert query(engine, "SELECT COUNT(*) FROM bl WHERE a = ''") == [(2 * (rows // 3),)]
    assert query(engine, "SELECT a FROM bl WHERE n = 2 LIMIT 1") == [('x,"quoted"',)]


@pytest.mark.parametrize("rows", [3, dialects.SQLITE_CHILD_MIN_ROWS])
def test_bulk_load_failure_leaves_nothing(engine, rows):
    table = _table(engine)
    batch = pa.record_batch(
        [pa.array(["v"] * rows), pa.array(["w"] * rows), pa.array(range(rows), pa.int64())], names=["a", "b", "n"]
    )

    def failing():
        yield batch
        yield batch
        raise ValueError("the file broke at line 7")

    with pytest.raises(ValueError, match="line 7"):
        dialects.bulk_load(engine, table, failing())
    assert query(engine, "SELECT COUNT(*) FROM bl") == [(0,)]


def test_split_sqlite_script_keeps_semicolons_in_strings_and_drops_comments():
    script = "-- head\nINSERT INTO t VALUES ('a;b');\n/* block */ UPDATE t SET x = 1;\n-- tail only\n"
    assert dialects.split_sqlite_script(script) == [
        "-- head\nINSERT INTO t VALUES ('a;b');",
        "/* block */ UPDATE t SET x = 1;",
    ]
