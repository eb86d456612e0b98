# ruff: noqa: F811  (the pipeline fixtures are imported by name, then requested as arguments)
"""One write per row: ``run_import`` with the built-in transform loads straight into the destination.

Every test runs on both warehouses. PostgreSQL COPYs the rows into the destination;
SQLite writes them into a scratch copy of the staging table in a file of its own and
copies them from there (:mod:`elt_project.db.sqlite_scratch`). On both, a trigger on
the staging table counts the writes it receives (per statement on PostgreSQL, per row
on SQLite), which tells which path ran: the direct path leaves it at zero, a step
aside to the staged flow does not.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elt_project.db import sqlite_scratch
from elt_project.errors import DataQualityFailure
from elt_project.pipeline.api import run_import, run_pipeline
from tests.pipeline.conftest import (  # noqa: F401
    DEST_DDL,
    STAGING_DDL,
    add_config,
    add_rule,
    execute,
    inbox,
    query,
    sales_tables,
    write_csv,
)

ROWS = [[1, "Ann", "10.50", "A"], [2, "Bob", "20", "I"], [3, "Cy", "", "A"]]
OLD = [[9, "Old", "1", "A"]]


def count_staging_writes(engine, table: str = "stg_sales") -> None:
    """Count the writes into ``table`` in stg_writes: one row per INSERT or COPY (PostgreSQL), per row (SQLite)."""
    if engine.dialect.name == "postgresql":
        execute(
            engine,
            "CREATE TABLE stg_writes (n INTEGER)",
            "CREATE FUNCTION stg_write_seen() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO stg_writes VALUES (1); RETURN NULL; END $$",
            f"CREATE TRIGGER stg_write_seen AFTER INSERT ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION stg_write_seen()",
        )
        return
    execute(
        engine,
        "CREATE TABLE stg_writes (n INTEGER)",
        f"CREATE TRIGGER stg_write_seen AFTER INSERT ON {table} BEGIN INSERT INTO stg_writes VALUES (1); END",
    )


def staging_writes(engine) -> int:
    return query(engine, "SELECT COUNT(*) FROM stg_writes")[0][0]


@pytest.mark.parametrize("method", ["replace", "append"])
def test_a_clean_file_lands_once_with_ledger_run_log_and_rules(sales_tables, add_config, inbox, settings, method):
    engine = sales_tables
    count_staging_writes(engine)
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (9, 'Old')")
    add_rule(engine, "id_present", "order_id", "NOT_NULL")
    add_rule(engine, "status_known", "status", "IS_IN_SET", "'A', 'I'")
    config = add_config(load_method=method)
    summary = run_import(engine, settings, config, [write_csv(inbox / "sales_1.csv", ROWS)])
    kept = [(9, "Old", None, None, None)] if method == "append" else []
    assert query(engine, "SELECT * FROM dest_sales ORDER BY order_id") == [
        (1, "Ann", pytest.approx(10.5), "A", None),
        (2, "Bob", pytest.approx(20), "I", None),
        (3, "Cy", None, "A", None),
        *kept,
    ]
    assert summary.transform.rows_loaded == {"sales_daily": 3}
    assert [q.passed for q in summary.stages[0].quality] == [True, True]
    assert query(engine, "SELECT status, rows_loaded FROM elt_file_ledger") == [("LOADED", 3)]
    assert query(engine, "SELECT status, rows_read, rows_loaded FROM etl_pipeline_run_logs") == [("SUCCESS", 3, 3)]
    assert query(engine, "SELECT status, COUNT(*) FROM data_quality_run_logs GROUP BY status") == [("PASS", 2)]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
    assert staging_writes(engine) == 0  # not one row went through staging


def test_a_failing_rule_is_reported_by_the_staged_flow_and_nothing_is_loaded(sales_tables, add_config, inbox, settings):
    """The stream sees the failure; the rows then go through staging so the SQL pass counts and keeps them."""
    engine = sales_tables
    count_staging_writes(engine)
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (9, 'Old')")
    add_rule(engine, "status_known", "status", "IS_IN_SET", "'A'")
    config = add_config(load_method="replace")
    with pytest.raises(DataQualityFailure, match="'status_known' \\(1 row\\)"):
        run_import(engine, settings, config, [write_csv(inbox / "sales_1.csv", ROWS)])
    assert query(engine, "SELECT order_id, customer FROM dest_sales") == [(9, "Old")]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]
    assert query(engine, "SELECT status FROM etl_pipeline_run_logs") == [("QUALITY_FAILED",)]
    assert query(engine, "SELECT COUNT(*) FROM elt_rejected_rows") == [(1,)]
    assert staging_writes(engine) > 0


def test_a_file_already_loaded_is_skipped_and_a_second_file_appends(sales_tables, add_config, inbox, settings):
    engine = sales_tables
    config = add_config(load_method="append")
    first = write_csv(inbox / "sales_1.csv", ROWS)
    run_import(engine, settings, config, [first])
    again = run_import(engine, settings, config, [first])
    assert again.transform is None and again.stages[0].files[0].status == "duplicate"
    run_import(engine, settings, config, [write_csv(inbox / "sales_2.csv", OLD)])
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,), (3,), (9,)]
    assert query(engine, "SELECT status, COUNT(*) FROM elt_file_ledger GROUP BY status") == [("LOADED", 2)]
    logs = query(engine, "SELECT status, COUNT(*) FROM etl_pipeline_run_logs GROUP BY status ORDER BY status")
    assert logs == [("SKIPPED_DUPLICATE", 1), ("SUCCESS", 2)]


def test_a_value_the_destination_cannot_hold_leaves_it_unchanged(sales_tables, add_config, inbox, settings):
    """A value too large for any integer column: refused in the staged flow's words, the old rows stay."""
    engine = sales_tables
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (9, 'Old')")
    config = add_config(load_method="replace")
    with pytest.raises(Exception, match="order_id"):
        run_import(engine, settings, config, [write_csv(inbox / "sales_1.csv", [[2**70, "Big", "1", "A"]])])
    assert query(engine, "SELECT order_id, customer FROM dest_sales") == [(9, "Old")]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]
    assert query(engine, "SELECT COUNT(*) FROM etl_pipeline_run_logs WHERE status IN ('STARTED', 'STAGED')") == [(0,)]


TYPED_STAGING = (
    "CREATE TABLE {name} (id VARCHAR(30), small VARCHAR(30), price VARCHAR(30), ratio VARCHAR(30), "
    "day VARCHAR(30), ok VARCHAR(10), label VARCHAR(20), n INTEGER, r DOUBLE PRECISION, d DATE, "
    "dagster_run_id VARCHAR(255), source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
TYPED_DEST = (
    "CREATE TABLE {name} (id BIGINT, small SMALLINT, price NUMERIC(14,4), ratio DOUBLE PRECISION, day DATE, "
    "ok BOOLEAN, label VARCHAR(20), n INTEGER, r DOUBLE PRECISION, d DATE, source_row_number BIGINT)"
)
TYPED_HEADER = ["id", "small", "price", "ratio", "day", "ok", "label", "n", "r", "d"]
TYPED_ROWS = [
    [
        "9007199254740993",
        "-32767",
        "-0.0001",
        "1e3",
        "1999-12-31",
        "yes",
        "é ünïcode",
        "12",
        "-87.59553528",
        "2024-02-29",
    ],
    ["-1", "32767", "1234567890.1234", "-0.1", "2024-02-29", "F", "", "-5", "0.30000000000000004", "1999-01-01"],
    ["0", "", "0", "0.30000000000000004", "0001-01-01", "", "NA", "", "", ""],
    ["42", "7", "-99.5", "2.5", "2100-06-15", "true", "x", "0", "2.0", "2100-06-15"],
    [" 8 ", "1", "10.50", " 1.5 ", "2024-01-05", " No ", " padded ", "3", "1e-7", "2024-01-05"],
    ["5", "2", "-87.5955", "-87.59553528", "2024-03-01", "n", "NULL", "1", "123456.789", "2024-03-01"],
]
TYPED_COLUMNS = TYPED_HEADER + ["source_row_number"]


def landed_exactly(engine, table: str) -> list[tuple]:
    """Every value with its Python type and, on SQLite, its storage class: equal lists mean equal bytes."""
    if engine.dialect.name == "sqlite":
        columns = ", ".join(f"typeof({c}), {c}" for c in TYPED_COLUMNS)
    else:
        columns = ", ".join(TYPED_COLUMNS)
    rows = query(engine, f"SELECT {columns} FROM {table} ORDER BY source_row_number")
    return [tuple((type(value).__name__, value) for value in row) for row in rows]


@pytest.mark.parametrize("copies", [1, pytest.param(5_500, marks=pytest.mark.slow)], ids=["small file", "33k rows"])
def test_typed_values_land_as_the_staged_steps_land_them(engine, add_config, inbox, settings, copies):
    """The same file by ``run_import`` (direct) and by the staged steps the Dagster assets run.

    -87.59553528 is one of the texts SQLite's own parse gets wrong (by one unit in the last place).
    33k rows: a first batch of 32k goes through ADBC on both paths (in the loader child
    into staging, in process into SQLite's scratch file); 6 rows go through executemany.
    """
    from elt_project.pipeline.api import new_run_id, stage_import, transform_group

    for suffix in ("direct", "staged"):
        execute(engine, TYPED_STAGING.format(name=f"stg_{suffix}"), TYPED_DEST.format(name=f"dest_{suffix}"))
    count_staging_writes(engine, "stg_direct")
    direct = add_config(import_name="typed_direct", staging_table="stg_direct", destination_table="dest_direct")
    staged = add_config(import_name="typed_staged", staging_table="stg_staged", destination_table="dest_staged")
    run_import(engine, settings, direct, [write_csv(inbox / "sales_1.csv", TYPED_ROWS * copies, TYPED_HEADER)])
    run_id = new_run_id()
    stage_import(engine, settings, staged, [inbox / "sales_1.csv"], run_id=run_id)
    transform_group(engine, settings, [staged], run_id=run_id)
    landed = landed_exactly(engine, "dest_direct")
    assert len(landed) == len(TYPED_ROWS) * copies
    assert landed == landed_exactly(engine, "dest_staged")
    assert [row[0][1] for row in landed[:6]] in (
        [9007199254740993, -1, 0, 42, 8, 5],  # PostgreSQL
        ["integer"] * 6,  # SQLite: the storage class comes first
    )
    assert staging_writes(engine) == 0


GROUP_TABLES = ("stg_sales", "stg_returns", "dest_sales", "dest_returns")


def watch_group_writes(engine) -> None:
    """On PostgreSQL, note in group_writes every write statement into the group's four tables and every
    ledger row turned LOADED, each with its transaction id: which path ran, and what committed together."""
    if engine.dialect.name != "postgresql":
        return
    execute(
        engine,
        "CREATE TABLE group_writes (what VARCHAR(40), tx BIGINT)",
        "CREATE FUNCTION group_write_seen() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN INSERT INTO group_writes VALUES (TG_TABLE_NAME, txid_current()); RETURN NULL; END $$",
        *(
            f"CREATE TRIGGER seen_{name} AFTER INSERT ON {name} FOR EACH STATEMENT EXECUTE FUNCTION group_write_seen()"
            for name in GROUP_TABLES
        ),
        "CREATE TRIGGER seen_loaded AFTER UPDATE ON elt_file_ledger FOR EACH ROW WHEN (NEW.status = 'LOADED') "
        "EXECUTE FUNCTION group_write_seen()",
    )


def group_writes(engine) -> list[tuple] | None:
    if engine.dialect.name != "postgresql":
        return None
    return query(engine, "SELECT what, tx FROM group_writes ORDER BY what")


@pytest.fixture
def two_imports(sales_tables, add_config, inbox):
    """Group 'sales': sales_daily (replace) and sales_returns (append, after it), each with a file waiting,
    and sales_idle, whose folder pattern matches nothing."""
    engine = sales_tables
    execute(
        engine,
        STAGING_DDL.replace("stg_sales", "stg_returns"),
        DEST_DDL.replace("dest_sales", "dest_returns"),
        "INSERT INTO dest_sales (order_id, customer) VALUES (8, 'Gone')",
        "INSERT INTO dest_returns (order_id, customer) VALUES (7, 'Kept')",
    )
    watch_group_writes(engine)
    add_rule(engine, "id_present", "order_id", "NOT_NULL")
    add_config(load_method="replace")
    returns = {"staging_table": "stg_returns", "destination_table": "dest_returns", "load_method": "append"}
    add_config(import_name="sales_returns", file_pattern="returns_*.csv", depends_on="sales_daily", **returns)
    add_config(import_name="sales_idle", file_pattern="idle_*.csv", **{**returns, "staging_table": "stg_idle"})
    execute(engine, STAGING_DDL.replace("stg_sales", "stg_idle"))
    write_csv(inbox / "sales_1.csv", ROWS)
    write_csv(inbox / "returns_1.csv", [[9, "Old", "1", "I"]])
    return engine


def assert_group_loaded(engine, summary) -> None:
    assert not summary.failed, summary.errors
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,), (3,)]
    assert query(engine, "SELECT order_id FROM dest_returns ORDER BY order_id") == [(7,), (9,)]
    assert summary.transform.rows_loaded == {"sales_daily": 3, "sales_returns": 1}
    logs = query(engine, "SELECT import_name, status, rows_loaded FROM etl_pipeline_run_logs ORDER BY import_name")
    assert logs == [
        ("sales_daily", "SUCCESS", 3),
        ("sales_idle", "NO_NEW_FILES", None),
        ("sales_returns", "SUCCESS", 1),
    ]
    assert query(engine, "SELECT status, COUNT(*) FROM elt_file_ledger GROUP BY status") == [("LOADED", 2)]
    assert (
        query(engine, "SELECT COUNT(*) FROM stg_sales") == query(engine, "SELECT COUNT(*) FROM stg_returns") == [(0,)]
    )


def test_a_group_run_loads_its_imports_directly_and_commits_them_together(two_imports, settings):
    """PostgreSQL: both destinations and both ledger rows written in ONE transaction, and not a row staged."""
    engine = two_imports
    summary = run_pipeline(engine, settings, "sales")
    assert_group_loaded(engine, summary)
    assert [stage.import_name for stage in summary.stages] == ["sales_daily", "sales_returns", "sales_idle"]
    assert [q.passed for q in summary.stages[0].quality] == [True]
    writes = group_writes(engine)
    if writes is not None:
        assert [what for what, _ in writes] == ["dest_returns", "dest_sales", "elt_file_ledger", "elt_file_ledger"]
        assert len({tx for _, tx in writes}) == 1


def test_one_import_that_must_be_staged_takes_the_whole_group_through_staging(two_imports, settings):
    """A row of the second import fails a WARN rule, after the first import's COPY: both go through staging."""
    engine = two_imports
    add_rule(engine, "returns_active", "status", "IS_IN_SET", "'A'", severity="WARN", table="stg_returns")
    summary = run_pipeline(engine, settings, "sales")
    assert_group_loaded(engine, summary)
    [warned] = [q for q in summary.stages[1].quality if not q.passed]
    assert warned.rule_name == "returns_active" and warned.failing_rows == 1
    writes = group_writes(engine)
    if writes is not None:
        seen = {what for what, _ in writes}
        assert {"stg_sales", "stg_returns"} <= seen  # both imports' rows went through staging
        transform_tx = {tx for what, tx in writes if not what.startswith("stg_")}
        assert len(transform_tx) == 1  # and the staged transform still committed them together


def test_a_group_that_steps_aside_leaves_its_files_to_recovery_and_no_run_log(two_imports, settings, inbox):
    """What a kill between giving the claims back and the staged flow's claim would leave: the files lost
    (the sensor's recovery requests them again), no run log, nothing in either destination.
    On SQLite the COPY itself fails, which steps aside the same way."""
    from elt_project.config.repository import get_pipeline_config
    from elt_project.ingest.identity import file_identity
    from elt_project.pipeline import direct_load, recovery

    engine = two_imports
    add_rule(engine, "returns_active", "status", "IS_IN_SET", "'A'", severity="WARN", table="stg_returns")
    work = [
        (get_pipeline_config(engine, "sales_daily"), [file_identity(inbox / "sales_1.csv")]),
        (get_pipeline_config(engine, "sales_returns"), [file_identity(inbox / "returns_1.csv")]),
    ]
    assert direct_load.run_group(engine, settings, work, run_id="run-aside") is None
    assert [f.file_path for f in recovery.lost_files(engine, "sales_daily")] == [str(inbox / "sales_1.csv")]
    assert [f.file_path for f in recovery.lost_files(engine, "sales_returns")] == [str(inbox / "returns_1.csv")]
    assert query(engine, "SELECT COUNT(*) FROM etl_pipeline_run_logs") == [(0,)]
    assert query(engine, "SELECT order_id FROM dest_sales") == [(8,)]
    assert query(engine, "SELECT order_id FROM dest_returns") == [(7,)]
    if engine.dialect.name == "postgresql":
        assert query(engine, "SELECT what FROM group_writes") == []  # rolled back with the COPY


def test_a_staging_column_the_file_does_not_fill_lands_as_its_default(engine, add_config, inbox, settings):
    """Staged, such a column takes the staging table's DEFAULT and the transform copies it; so does the direct path
    (SQLite's scratch copy of staging has the DEFAULT; PostgreSQL's COPY would send NULL, so it steps aside)."""
    execute(
        engine,
        "CREATE TABLE stg_sales (order_id VARCHAR(50), customer VARCHAR(100), channel VARCHAR(10) DEFAULT 'web', "
        "dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_sales (order_id INTEGER, customer VARCHAR(100), channel VARCHAR(10))",
    )
    count_staging_writes(engine)
    config = add_config()
    run_import(engine, settings, config, [write_csv(inbox / "sales_1.csv", [[1, "Ann"]], ["order_id", "customer"])])
    assert query(engine, "SELECT order_id, customer, channel FROM dest_sales") == [(1, "Ann", "web")]
    assert (staging_writes(engine) > 0) is (engine.dialect.name == "postgresql")


STEP_ASIDE = {
    "a deduplication key": lambda add: add(load_method="append", deduplication_key="order_id"),
    "staged rows kept for audits": lambda add: add(staging_retention_days=3),
}


@pytest.mark.parametrize("case", list(STEP_ASIDE))
def test_what_needs_the_staged_rows_goes_through_staging(sales_tables, add_config, inbox, settings, case):
    engine = sales_tables
    count_staging_writes(engine)
    config = STEP_ASIDE[case](add_config)
    run_import(engine, settings, config, [write_csv(inbox / "sales_1.csv", ROWS)])
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,), (3,)]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("LOADED",)]
    assert staging_writes(engine) > 0


def test_a_value_the_transform_would_refuse_is_reported_by_the_staged_flow(sales_tables, add_config, inbox, settings):
    """'12abc' for a NUMERIC column: staged (the quality rules see it), then the transform refuses to run."""
    engine = sales_tables
    count_staging_writes(engine)
    config = add_config(load_method="append")
    with pytest.raises(Exception, match="12abc"):
        run_import(engine, settings, config, [write_csv(inbox / "sales_1.csv", [[1, "Ann", "12abc", "A"]])])
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(0,)]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]
    assert staging_writes(engine) > 0


def test_no_scratch_file_or_attachment_outlives_a_load(sales_tables, add_config, inbox, settings):
    """SQLite: the scratch file is gone and detached after the load; one a killed run left is removed."""
    engine = sales_tables
    if not sqlite_scratch.available(engine):
        assert engine.dialect.name == "postgresql"  # COPY on the transaction's own connection: no scratch file
        return
    folder = Path(engine.url.database).parent
    orphan = folder / ".elt-direct-999999999-a1b2.db"  # a pid above pid_max: its run is gone
    live = folder / f".elt-direct-{os.getpid()}-c3d4.db"  # a load still running in a live process
    orphan.write_bytes(b"")
    live.write_bytes(b"")
    run_import(engine, settings, add_config(), [write_csv(inbox / "sales_1.csv", ROWS)])
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(3,)]
    assert [path.name for path in folder.glob(".elt-direct-*")] == [live.name]
    with engine.connect() as conn:  # the pooled connection the load used
        assert "elt_direct_1" not in [row[1] for row in conn.exec_driver_sql("PRAGMA database_list")]


@pytest.mark.parametrize("files", [2, 11])
def test_several_files_of_one_run_land_together(sales_tables, add_config, inbox, settings, files):
    """SQLite attaches one scratch file per file, at most 10: a run of 11 goes the staged way, as whole."""
    engine = sales_tables
    count_staging_writes(engine)
    paths = [write_csv(inbox / f"sales_{n}.csv", [[n, f"c{n}", "1", "A"]]) for n in range(files)]
    run_import(engine, settings, add_config(load_method="append"), paths)
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(n,) for n in range(files)]
    assert query(engine, "SELECT status, COUNT(*) FROM elt_file_ledger GROUP BY status") == [("LOADED", files)]
    through_staging = engine.dialect.name == "sqlite" and files > 10
    assert (staging_writes(engine) > 0) is through_staging
