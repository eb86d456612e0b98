"""The per-dialect bulk load: all rows or none, NULL kept apart from the empty string."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from elt_project.db import dialects, postgres_load
from tests.pipeline.conftest import execute, query

BIG = dialects.SQLITE_CHILD_MIN_ROWS  # a full first batch: the fast paths (SQLite child, PostgreSQL binary COPY)


def _table(engine):
    execute(engine, "CREATE TABLE bl (a VARCHAR(20), b VARCHAR(20), n BIGINT)")
    return sa.Table("bl", sa.MetaData(), autoload_with=engine)


@pytest.mark.parametrize("rows", [3, dialects.SQLITE_CHILD_MIN_ROWS])  # executemany / child-process paths
def test_bulk_load_appends_all_rows_with_nulls(engine, rows):
    table = _table(engine)
    a = pa.array([None, "", 'x,"quoted"'] * (rows // 3) + [None] * (rows % 3), pa.string())
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


def _big_batch(values: list[str]) -> pa.RecordBatch:
    count = len(values)
    return pa.record_batch(
        [pa.array(values, pa.string()), pa.array(["w"] * count), pa.array(range(count), pa.int64())],
        names=["a", "b", "n"],
    )


def test_postgres_takes_binary_copy_only_when_every_column_fits(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's COPY paths")
    taken = []
    for path in ("_binary_load", "_csv_load"):
        real = getattr(postgres_load, path)
        monkeypatch.setattr(postgres_load, path, lambda *a, _real=real, _path=path: taken.append(_path) or _real(*a))
    table = _table(engine)
    assert dialects.bulk_load(engine, table, iter([_big_batch(["v"] * BIG)])) == BIG
    assert dialects.bulk_load(engine, table, iter([_big_batch(["v"] * 3)])) == 3  # small: not worth a connection
    execute(engine, "CREATE TABLE typed (a VARCHAR(20), b VARCHAR(20), n INTEGER)")
    typed = sa.Table("typed", sa.MetaData(), autoload_with=engine)
    assert dialects.bulk_load(engine, typed, iter([_big_batch(["v"] * BIG)])) == BIG  # int64 → INTEGER: CSV
    assert taken == ["_binary_load", "_csv_load", "_csv_load"]
    assert query(engine, "SELECT COUNT(*), SUM(n) FROM typed") == [(BIG, BIG * (BIG - 1) // 2)]


def test_postgres_falls_back_to_csv_when_the_driver_cannot_connect(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's COPY paths")
    unreachable = engine.url.set(drivername="postgresql", port=1).render_as_string(hide_password=False)
    monkeypatch.setattr(postgres_load, "libpq_uri", lambda _engine: unreachable)
    table = _table(engine)
    assert dialects.bulk_load(engine, table, iter([_big_batch(["v"] * BIG)])) == BIG
    assert query(engine, "SELECT COUNT(*) FROM bl") == [(BIG,)]


def test_binary_compatibility_needs_an_exact_binary_form():
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("text", sa.VARCHAR(10)),
        sa.Column("big", sa.BigInteger()),
        sa.Column("small", sa.Integer()),
        sa.Column("choice", sa.Enum("a", "b", name="choice")),
    )

    def fits(**fields) -> bool:
        return postgres_load.binary_compatible(table, pa.schema(list(fields.items())))

    assert fits(text=pa.string(), big=pa.int64())
    assert fits(text=pa.large_string())
    assert not fits(small=pa.int64())  # int8 bytes into an int4 column would be misread
    assert not fits(big=pa.string())  # text bytes are not a binary bigint
    assert not fits(text=pa.float64())
    assert not fits(choice=pa.string())
    assert not fits(missing=pa.string())


@pytest.mark.parametrize("rows", [3, BIG])
def test_value_too_long_is_refused_in_the_servers_words_and_loads_nothing(engine, rows):
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    table = _table(engine)
    batch = _big_batch(["ok"] * (rows - 1) + ["x" * 25])
    with pytest.raises(Exception, match=r"^value too long for type character varying\(20\)"):
        dialects.bulk_load(engine, table, iter([batch]))
    assert query(engine, "SELECT COUNT(*) FROM bl") == [(0,)]


def test_split_sqlite_script_keeps_semicolons_in_strings_and_drops_comments():
    script = "-- head\nINSERT INTO t VALUES ('a;b');\n/* block */ UPDATE t SET x = 1;\n-- tail only\n"
    assert dialects.split_sqlite_script(script) == [
        "-- head\nINSERT INTO t VALUES ('a;b');",
        "/* block */ UPDATE t SET x = 1;",
    ]
