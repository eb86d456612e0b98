"""SQL Server's direct load: the T-SQL it sends, parsed by sqlglot's T-SQL grammar, and its semantics.

No SQL Server runs here. The statements are compiled for the mssql dialect and
parsed as T-SQL, and their shape is asserted: a session temp table with the
destination's types, one INSERT…SELECT (append), TRUNCATE then INSERT…SELECT
(replace), one insert-only MERGE (append with a deduplication_key). The MERGE's
deduplication rules are run for real on PostgreSQL (which has MERGE) after sqlglot
translates it. The writer's order of calls is checked on a stand-in pyodbc
connection that records them; test_mssql_direct_live.py runs the whole direct load
on a real SQL Server when ELT_TEST_MSSQL_URL is set.
"""

from __future__ import annotations

import datetime as dt
import decimal
import types

import pyarrow as pa
import pytest
import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import mssql
from sqlalchemy.dialects.mssql import pyodbc as mssql_pyodbc
from sqlglot import exp

from elt_project.config.models import PipelineConfig
from elt_project.db import direct_write, mssql_bulk
from elt_project.pipeline import direct_load

COLUMNS = ["id", "day", "name", "amount", "ok"]


def tsql_dialect() -> sa.engine.Dialect:
    """The pyodbc dialect as a connection to SQL Server 2022 sets it up (DATE is DATE, not DATETIME)."""
    dialect = mssql_pyodbc.dialect()
    dialect.server_version_info = (16, 0)
    dialect._setup_version_attributes()
    return dialect


def destination() -> sa.Table:
    return sa.Table(
        "dest_orders",
        sa.MetaData(),
        sa.Column("id", sa.BigInteger),
        sa.Column("day", sa.Date),
        sa.Column("name", mssql.NVARCHAR(40)),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("ok", mssql.BIT),
        sa.Column("untouched", sa.Integer),
        schema="sales",
    )


def parsed(sql: str) -> exp.Expression:
    statements = sqlglot.parse(sql, read="tsql")
    assert len(statements) == 1, sql
    return statements[0]


def plan(load_method: str, key: tuple[str, ...] = ()) -> mssql_bulk.Statements:
    return mssql_bulk.statements(tsql_dialect(), destination(), COLUMNS, load_method=load_method, deduplication_key=key)


def table_name(node: exp.Expression) -> str:
    table = node if isinstance(node, exp.Table) else node.find(exp.Table)
    return table.name


def test_the_temp_table_is_a_session_table_with_the_destination_types():
    statements = plan("append")
    create = parsed(statements.create_temp)
    assert isinstance(create, exp.Create) and create.kind == "TABLE"
    target = create.this.this
    assert target.name.startswith("elt_direct_") and target.this.args.get("temporary")  # '#name'
    types_ = {c.name: c.args["kind"].sql("tsql") for c in create.find_all(exp.ColumnDef)}
    assert types_ == {
        "id": "BIGINT",
        "day": "DATE",
        "name": "NVARCHAR(40)",
        "amount": "NUMERIC(12, 2)",
        "ok": "BIT",
    }
    assert "COLLATE DATABASE_DEFAULT" in statements.create_temp  # keys compare without a collation conflict
    insert = parsed(statements.insert_temp)
    assert isinstance(insert, exp.Insert) and table_name(insert.this) == target.name
    assert [c.name for c in insert.this.expressions] == COLUMNS
    assert len(list(insert.find_all(exp.Placeholder))) == len(COLUMNS)  # values only as bound markers
    drop = parsed(statements.drop_temp)
    assert isinstance(drop, exp.Drop) and table_name(drop) == target.name


def _single_insert_select(sql: str, temp_name: str) -> None:
    insert = parsed(sql)
    assert isinstance(insert, exp.Insert)
    assert (table_name(insert.this), insert.this.this.db) == ("dest_orders", "sales")
    assert [c.name for c in insert.this.expressions] == COLUMNS
    select = insert.expression
    assert isinstance(select, exp.Select) and [c.name for c in select.expressions] == COLUMNS
    assert table_name(select.args["from_"]) == temp_name
    assert select.args.get("where") is None  # every row sent is written


def test_append_writes_the_destination_with_one_insert_select_and_no_truncate():
    statements = plan("append")
    assert statements.truncate is None
    _single_insert_select(statements.write, statements.temp.name.lstrip("#"))


def test_replace_truncates_the_destination_then_one_insert_select():
    statements = plan("replace")
    truncate = parsed(statements.truncate)
    assert isinstance(truncate, exp.TruncateTable)
    assert [(t.name, t.db) for t in truncate.expressions] == [("dest_orders", "sales")]
    _single_insert_select(statements.write, statements.temp.name.lstrip("#"))


def test_an_append_with_a_key_is_one_merge_that_only_inserts_new_keys():
    statements = plan("append", ("ID", "day"))  # the key is matched to the columns case-insensitively
    assert statements.truncate is None
    assert [c.name for c in statements.temp.columns][-1] == mssql_bulk.ORDER_COLUMN
    merge = parsed(statements.write)
    assert isinstance(merge, exp.Merge)
    assert (merge.this.name, merge.this.db) == ("dest_orders", "sales")
    assert "WITH (HOLDLOCK)" in statements.write  # the key range stays locked until the commit
    on = merge.args["on"]
    assert sorted(c.name for c in on.find_all(exp.Column)) == ["day", "day", "id", "id"]
    whens = merge.args["whens"].expressions
    assert len(whens) == 1 and whens[0].args["matched"] is False  # nothing updated or deleted
    assert isinstance(whens[0].args["then"], exp.Insert)
    window = merge.find(exp.Window)
    assert isinstance(window.this, exp.RowNumber)
    assert sorted(c.name for c in window.args["partition_by"]) == ["day", "id"]
    assert [o.this.name for o in window.args["order"].expressions] == [mssql_bulk.ORDER_COLUMN]
    assert table_name(merge.args["using"].find(exp.From)) == statements.temp.name.lstrip("#")


def test_a_key_outside_the_loaded_columns_is_refused():
    with pytest.raises(ValueError, match="deduplication key"):
        plan("append", ("untouched",))


def test_the_merge_keeps_the_staged_flows_deduplication_rules(engine):
    """Translated by sqlglot and run on PostgreSQL: first row per key, NULL keys kept, held keys untouched."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no MERGE; PostgreSQL runs the translated statement")
    statements = plan("append", ("id", "day"))
    day = dt.date(2024, 1, 2)

    def postgres(sql: str) -> str:
        return sqlglot.transpile(sql.replace("sales.", ""), read="tsql", write="postgres")[0]

    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE dest_orders (id BIGINT, day DATE, name VARCHAR(40), amount NUMERIC(12, 2), "
            "ok BOOLEAN, untouched INTEGER)"
        )
        conn.exec_driver_sql("INSERT INTO dest_orders (id, day, name) VALUES (1, '2024-01-02', 'held')")
        temp = postgres(statements.create_temp).replace("COLLATE DATABASE_DEFAULT", "").replace(" BIT", " BOOLEAN")
        conn.exec_driver_sql(temp)
        rows = [
            (1, day, "held key", 1, True, 1),  # the destination holds (1, day): left out
            (2, day, "first", 2, True, 2),
            (2, day, "second", 3, False, 3),  # same key later in the run: left out
            (2, dt.date(2024, 1, 3), "other day", 4, None, 4),
            (None, day, "null key a", 5, None, 5),  # a NULL key part equals nothing: both kept
            (None, day, "null key b", 6, None, 6),
        ]
        conn.exec_driver_sql(postgres(statements.insert_temp), rows)
        written = conn.exec_driver_sql(postgres(statements.write)).rowcount
        names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM dest_orders ORDER BY name")]
    assert written == 4
    assert names == ["first", "held", "null key a", "null key b", "other day"]


# ---- the writer, on a stand-in pyodbc connection (no SQL Server or ODBC library runs here) --------


class RecordingCursor:
    def __init__(self, calls: list) -> None:
        self.calls, self.fast_executemany = calls, False

    def setinputsizes(self, sizes) -> None:
        self.calls.append(("setinputsizes", list(sizes)))

    def executemany(self, sql, rows) -> None:
        self.calls.append(("executemany", sql, list(rows), self.fast_executemany))

    def close(self) -> None:
        self.calls.append(("close",))


class StandInConnection:
    """Just what the writer touches of a SQLAlchemy connection on pyodbc; it records every call."""

    def __init__(self, rowcount: int) -> None:
        self.dialect, self.calls, self.rowcount = tsql_dialect(), [], rowcount
        self.connection = types.SimpleNamespace(
            driver_connection=types.SimpleNamespace(cursor=lambda: RecordingCursor(self.calls))
        )

    def exec_driver_sql(self, sql):
        self.calls.append(("exec", sql))
        return types.SimpleNamespace(rowcount=self.rowcount)


def batch(ids: list[int]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "id": pa.array(ids, pa.int64()),
            "day": pa.array([dt.date(2024, 1, i) for i in ids], pa.date32()),
            "name": pa.array([f"n{i} ü" for i in ids]),
            "amount": pa.array([decimal.Decimal(f"{i}.50") for i in ids], pa.decimal128(12, 2)),
            "ok": pa.array([i % 2 == 0 for i in ids]),
        }
    )


def kinds(calls: list) -> list[str]:
    return [c[1].split()[0] if c[0] == "exec" else c[0] for c in calls]


def test_writer_on_a_stand_in_connection_sends_pieces_with_fast_executemany_then_writes_once(monkeypatch):
    monkeypatch.setattr(mssql_bulk, "PIECE_ROWS", 2)
    conn = StandInConnection(rowcount=3)
    writer = mssql_bulk.Writer(conn, destination(), load_method="replace")
    assert writer.write(COLUMNS, iter([batch([1, 2, 3])])) == 3
    assert kinds(conn.calls) == ["CREATE", "setinputsizes", "executemany", "setinputsizes", "executemany", "close"]
    assert not any(c[0] == "exec" and c[1].startswith("TRUNCATE") for c in conn.calls)  # readers keep old rows
    sends = [c for c in conn.calls if c[0] == "executemany"]
    assert all(fast for *_, fast in sends)
    assert [len(rows) for _, _, rows, _ in sends] == [2, 1]
    assert sends[0][2][0] == (1, dt.date(2024, 1, 1), "n1 ü", decimal.Decimal("1.50"), False)
    sizes = next(c[1] for c in conn.calls if c[0] == "setinputsizes")
    assert sizes == [
        (mssql_bulk.SQL_BIGINT, 19, 0),
        (mssql_bulk.SQL_TYPE_DATE, 10, 0),
        (mssql_bulk.SQL_WVARCHAR, 40, 0),  # Unicode, whatever the driver would guess for a temp table
        (mssql_bulk.SQL_DECIMAL, 12, 2),
        (mssql_bulk.SQL_BIT, 1, 0),
    ]
    conn.calls.clear()
    assert writer.finish() == 0
    assert kinds(conn.calls) == ["TRUNCATE", "INSERT", "DROP"]


def test_writer_numbers_the_rows_of_a_keyed_append_across_files_and_counts_those_left_out():
    conn = StandInConnection(rowcount=3)
    writer = mssql_bulk.Writer(conn, destination(), load_method="append", deduplication_key=("id",))
    writer.write(COLUMNS, iter([batch([1, 2])]))
    writer.write(COLUMNS, iter([batch([2, 3])]))
    sends = [c[2] for c in conn.calls if c[0] == "executemany"]
    assert [row[-1] for rows in sends for row in rows] == [1, 2, 3, 4]  # the order the first row per key is taken by
    assert sum(1 for c in conn.calls if c[0] == "exec" and c[1].startswith("CREATE")) == 1
    conn.calls.clear()
    assert writer.finish() == 1  # 4 sent, 3 written
    assert kinds(conn.calls) == ["MERGE", "DROP"]


@pytest.mark.parametrize(
    ("column_type", "arrow_type", "exact"),
    [
        (mssql.DATETIME2(), pa.timestamp("us"), True),
        (mssql.DATETIME(), pa.timestamp("us"), False),  # rounds to 1/300 s where a text cast refuses
        (mssql.SMALLDATETIME(), pa.timestamp("us"), False),
        (mssql.DATETIMEOFFSET(), pa.timestamp("us", tz="UTC"), False),
        (mssql.FLOAT(), pa.float64(), True),  # FLOAT is 53 bits
        (mssql.REAL(), pa.float64(), False),
        (mssql.TINYINT(), pa.int64(), False),  # unsigned: a negative value would not be refused here
        (mssql.BIT(), pa.string(), True),
        (sa.Numeric(12, 2), pa.string(), True),
        (mssql.NVARCHAR(20), pa.string(), True),
        (mssql.UNIQUEIDENTIFIER(), pa.string(), False),
    ],
)
def test_only_types_sql_server_holds_exactly_are_sent(column_type, arrow_type, exact):
    assert (mssql_bulk.adapter_for(column_type, arrow_type) is not None) is exact


def stand_in_mssql_engine() -> sa.engine.Engine:
    """An mssql+pyodbc engine that never connects: the pyodbc module is a stand-in (no ODBC library here)."""
    module = types.SimpleNamespace(paramstyle="qmark", version="5.2.0", Error=Exception, Cursor=RecordingCursor)
    RecordingCursor.nextset = lambda self: None
    return sa.create_engine("mssql+pyodbc://user:pw@nowhere/db?driver=ODBC+Driver+18+for+SQL+Server", module=module)


def config(**values) -> PipelineConfig:
    row = {
        "pipeline_name": "sales",
        "import_name": "orders",
        "file_pattern": "orders_*.csv",
        "monitored_directory": "/data/in",
        "file_type": "csv",
        "staging_table": "stg_orders",
        "destination_table": "dest_orders",
        "load_method": "append",
    }
    return PipelineConfig(**{**row, **values})


def test_the_direct_path_takes_a_keyed_append_only_where_the_writer_deduplicates(engine):
    keyed = config(deduplication_key=["id"])
    on_sql_server = stand_in_mssql_engine()
    assert direct_write.supports(on_sql_server) == (True, True)
    assert direct_load.applies(on_sql_server, keyed, reload=False)
    assert direct_load.applies(on_sql_server, config(load_method="replace"), reload=False)
    assert not direct_load.applies(on_sql_server, config(transform_procedure="sp_orders"), reload=False)
    # PostgreSQL's COPY and SQLite's scratch copy cannot drop a row whose key exists: staged flow
    assert direct_write.supports(engine) == (True, False)
    assert direct_load.applies(engine, config(), reload=False)
    assert not direct_load.applies(engine, keyed, reload=False)
