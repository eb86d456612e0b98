"""The per-dialect bulk load: all rows or none, NULL kept apart from the empty string."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from elt_project.db import binary_copy, dialects, postgres_load
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


def test_postgres_takes_binary_copy_only_when_every_column_has_an_exact_binary_form(engine, monkeypatch):
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
    assert dialects.bulk_load(engine, typed, iter([_big_batch(["v"] * BIG)])) == BIG  # int64 → int4 in Arrow
    execute(engine, "CREATE TABLE real_numbers (a VARCHAR(20), b VARCHAR(20), n REAL)")
    real = sa.Table("real_numbers", sa.MetaData(), autoload_with=engine)
    floats = _big_batch(["v"] * BIG).set_column(2, "n", pa.array([0.1] * BIG, pa.float64()))
    assert dialects.bulk_load(engine, real, iter([floats])) == BIG  # float8 → float4 rounds: the server's job
    assert taken == ["_binary_load", "_csv_load", "_binary_load", "_csv_load"]
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
        return binary_copy.plan(table, pa.schema(list(fields.items()))) is not None

    assert fits(text=pa.string(), big=pa.int64())
    assert fits(text=pa.large_string())
    assert fits(small=pa.int64())  # narrowed to int4 in Arrow, overflow refused there
    assert not fits(big=pa.string())  # text into a bigint is converted (and checked) before the load
    assert not fits(big=pa.float64())
    assert not fits(text=pa.float64())
    assert not fits(choice=pa.string())
    assert not fits(missing=pa.string())


TYPED_COLUMNS = (
    "amount NUMERIC(12,2), wide NUMERIC(38,10), day DATE, flag BOOLEAN, qty INTEGER, tiny SMALLINT, "
    "score DOUBLE PRECISION, seen TIMESTAMP, note TEXT"
)


def _typed_batch(rows: int) -> pa.RecordBatch:
    """Every kind of value the engine hands the loader, as text or as native Arrow values."""
    import datetime

    pattern = {
        "amount": ["123.45", "-0.01", None, "9999999999.99", "0.1"],
        "wide": ["1234567890123456789012345678.0123456789", "0.0000000001", None, "-1", "3"],
        "day": ["2024-01-02", None, "1900-02-28", "9999-12-31", "2000-02-29"],
        "flag": ["true", "N", None, "1", "Yes"],
        "qty": [1, -2147483648, None, 2147483647, 0],
        "tiny": [1, -32768, None, 32767, 0],
        "score": [0.1, -1e300, None, 5e-324, 1 / 3],
        "seen": [datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), None, datetime.datetime(1, 1, 1)] * 1
        + [datetime.datetime(1970, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)],
        "note": ["x", "", None, "ü", 'a,"b"'],
    }
    types = {"qty": pa.int64(), "tiny": pa.int64(), "score": pa.float64(), "seen": pa.timestamp("us")}
    repeat = -(-rows // 5)
    return pa.record_batch(
        [pa.array((values * repeat)[:rows], types.get(name, pa.string())) for name, values in pattern.items()],
        names=list(pattern),
    )


def test_postgres_binary_copy_stores_every_type_exactly_as_the_csv_path(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's COPY paths")
    taken = []
    real_binary = postgres_load._binary_load
    monkeypatch.setattr(postgres_load, "_binary_load", lambda *a: taken.append("binary") or real_binary(*a))
    execute(engine, f"CREATE TABLE via_binary ({TYPED_COLUMNS})")
    execute(engine, f"CREATE TABLE via_csv ({TYPED_COLUMNS})")
    batch = _typed_batch(BIG)
    binary = sa.Table("via_binary", sa.MetaData(), autoload_with=engine)
    assert dialects.bulk_load(engine, binary, iter([batch, batch.slice(0, 7)])) == BIG + 7
    assert taken == ["binary"]
    csv = sa.Table("via_csv", sa.MetaData(), autoload_with=engine)
    postgres_load._csv_load(  # the server's own text parsing, the reference
        engine, csv, batch, iter([batch.slice(0, 7)])
    )
    text = ", ".join(f"{c}::text" for c in ("amount", "wide", "day", "flag", "qty", "tiny", "score", "seen", "note"))
    first = query(engine, f"SELECT {text} FROM via_binary LIMIT 5")
    assert first[0] == (
        "123.45",
        "1234567890123456789012345678.0123456789",
        "2024-01-02",
        "true",
        "1",
        "1",
        "0.1",
        "2024-01-02 03:04:05.123456",
        "x",
    )
    assert first[3][:4] == ("9999999999.99", "-1.0000000000", "9999-12-31", "true")
    difference = f"(SELECT {text} FROM via_binary EXCEPT ALL SELECT {text} FROM via_csv)"
    assert query(engine, f"SELECT COUNT(*) FROM {difference} d") == [(0,)]
    assert query(engine, "SELECT COUNT(*) FROM via_binary") == query(engine, "SELECT COUNT(*) FROM via_csv")


def test_postgres_binary_copy_refuses_a_decimal_wider_than_its_column_and_loads_nothing(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's COPY paths")
    execute(engine, f"CREATE TABLE typed ({TYPED_COLUMNS})")
    table = sa.Table("typed", sa.MetaData(), autoload_with=engine)
    good = _typed_batch(BIG)
    bad = _typed_batch(5).set_column(0, "amount", pa.array(["1", "2", "12345678901.00", "3", "4"]))
    with pytest.raises(ValueError):
        dialects.bulk_load(engine, table, iter([good, bad]))
    assert query(engine, "SELECT COUNT(*) FROM typed") == [(0,)]


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
