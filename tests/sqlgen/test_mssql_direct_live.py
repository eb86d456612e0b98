"""Live SQL Server run of the direct load (temp table + one INSERT…SELECT or MERGE); only with ELT_TEST_MSSQL_URL.

No SQL Server runs here: test_mssql_bulk.py parses the statements as T-SQL. Point
ELT_TEST_MSSQL_URL at a scratch database (mssql+pyodbc://...) to run ``run_import``
end to end. A trigger on the staging table counts the INSERTs it receives, which
tells that no row went through staging. The test removes the tables, config rows,
ledger rows and run logs it creates, and leaves the metadata tables in place.
"""

from __future__ import annotations

import csv
import os
import uuid

import pytest
import sqlalchemy as sa

from elt_project.config.repository import get_pipeline_config
from elt_project.db import schema
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.tsql_scripts import render_scripts
from elt_project.pipeline.api import run_import
from elt_project.settings import load_settings
from tests.config_rows import insert_config

pytestmark = pytest.mark.skipif(not os.environ.get("ELT_TEST_MSSQL_URL"), reason="ELT_TEST_MSSQL_URL not set")

HEADER = ["order_id", "day", "customer", "amount", "paid"]
ROWS = [
    [1, "2024-01-02", "Zürich AG", "10.50", "yes"],
    [2, "2024-01-02", "東京 KK", "20", "no"],
    [2, "2024-01-02", "same key, later", "30", "no"],
    [3, "2024-01-03", "", "", ""],
]


@pytest.fixture
def feed(tmp_path):
    """Metadata tables (the numbered scripts, idempotent), a staging table with a write counter, a destination."""
    engine = create_warehouse_engine(os.environ["ELT_TEST_MSSQL_URL"], check=True)
    for text in render_scripts("mssql").values():
        batches = [b for b in text.split("\nGO\n") if b.strip() and not b.strip().startswith("--")]
        with engine.begin() as conn:
            for batch in batches:
                conn.exec_driver_sql(batch)
    suffix = uuid.uuid4().hex[:8]
    names = {"import": f"direct_{suffix}", "stg": f"stg_direct_{suffix}", "dest": f"dest_direct_{suffix}"}
    names["writes"] = f"stg_writes_{suffix}"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE [{names['stg']}] (order_id NVARCHAR(20), day NVARCHAR(20), customer NVARCHAR(50), "
            "amount NVARCHAR(20), paid NVARCHAR(10), dagster_run_id NVARCHAR(255), source_file_hash NVARCHAR(64), "
            "source_row_number BIGINT)"
        )
        conn.exec_driver_sql(
            f"CREATE TABLE [{names['dest']}] (order_id BIGINT, day DATE, customer NVARCHAR(50), "
            "amount NUMERIC(12, 2), paid BIT)"
        )
        conn.exec_driver_sql(f"CREATE TABLE [{names['writes']}] (n INT)")
        conn.exec_driver_sql(
            f"CREATE TRIGGER [trg_{names['stg']}] ON [{names['stg']}] AFTER INSERT AS "
            f"INSERT INTO [{names['writes']}] VALUES (1)"
        )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = load_settings(
        env={"ELT_MONITORED_ROOTS": str(inbox)},
        env_file=tmp_path / "no.env",
        database_url=os.environ["ELT_TEST_MSSQL_URL"],
        data_dir=str(tmp_path / "data"),
        transforms_dir=str(tmp_path / "transforms"),
    )
    try:
        yield engine, settings, inbox, names
    finally:
        with engine.begin() as conn:
            for table in (schema.elt_file_ledger, schema.etl_pipeline_run_logs, schema.elt_pipeline_configs):
                conn.execute(sa.delete(table).where(table.c.import_name == names["import"]))
            for key in ("stg", "dest", "writes"):
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS [{names[key]}]")
        engine.dispose()


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def rows_of(engine, sql):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql)]


@pytest.mark.parametrize(
    ("method", "key", "expected"),
    [
        ("replace", None, [1, 2, 2, 3]),
        ("append", None, [1, 2, 2, 3, 9]),
        ("append", "order_id,day", [1, 2, 3, 9]),  # the later row of key 2 is left out
    ],
)
def test_direct_load_runs_on_sql_server(feed, method, key, expected):
    engine, settings, inbox, names = feed
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO [{names['dest']}] (order_id, customer) VALUES (9, N'earlier')")
    insert_config(
        engine,
        pipeline_name="live",
        import_name=names["import"],
        file_pattern="orders_*.csv",
        monitored_directory=str(inbox),
        staging_table=names["stg"],
        destination_table=names["dest"],
        load_method=method,
        deduplication_key=key,
    )
    config = get_pipeline_config(engine, names["import"])
    summary = run_import(engine, settings, config, [write_csv(inbox / "orders_1.csv", ROWS)])
    assert [r[0] for r in rows_of(engine, f"SELECT order_id FROM [{names['dest']}] ORDER BY order_id")] == expected
    assert rows_of(engine, f"SELECT COUNT(*) FROM [{names['writes']}]") == [(0,)]  # nothing went through staging
    first = rows_of(engine, f"SELECT customer, amount, paid FROM [{names['dest']}] WHERE order_id = 1")
    assert [(c, float(a), p) for c, a, p in first] == [("Zürich AG", 10.5, True)]
    loaded = len(expected) - (1 if method == "append" else 0)
    assert summary.transform.rows_loaded == {names["import"]: loaded}
    assert summary.transform.rows_deduplicated.get(names["import"], 0) == (1 if key else 0)
    ledger = schema.elt_file_ledger
    with engine.connect() as conn:
        status = conn.execute(sa.select(ledger.c.status).where(ledger.c.import_name == names["import"])).scalars()
        assert list(status) == ["LOADED"]
