# ruff: noqa: F811  (the pipeline fixtures are imported by name, then requested as arguments)
"""One write per row: ``run_import`` with the built-in transform loads PostgreSQL straight into the destination.

Every test runs on both warehouses: SQLite always takes the staged flow, so its
results are the reference the direct path on PostgreSQL must give too. On
PostgreSQL a statement trigger on the staging table counts the writes it receives,
which tells which path ran.
"""

from __future__ import annotations

import pytest

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


def count_staging_writes(engine) -> None:
    """On PostgreSQL, count every INSERT or COPY into stg_sales (one per statement) in stg_writes."""
    if engine.dialect.name != "postgresql":
        return
    execute(
        engine,
        "CREATE TABLE stg_writes (n INTEGER)",
        "CREATE FUNCTION stg_write_seen() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN INSERT INTO stg_writes VALUES (1); RETURN NULL; END $$",
        "CREATE TRIGGER stg_write_seen AFTER INSERT ON stg_sales FOR EACH STATEMENT EXECUTE FUNCTION stg_write_seen()",
    )


def staging_writes(engine) -> int | None:
    if engine.dialect.name != "postgresql":
        return None
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
    assert staging_writes(engine) in (None, 0)  # PostgreSQL: not one row went through staging


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
    assert staging_writes(engine) in (None, 1)


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
    "day VARCHAR(30), ok VARCHAR(10), label VARCHAR(20), dagster_run_id VARCHAR(255), "
    "source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
TYPED_DEST = (
    "CREATE TABLE {name} (id BIGINT, small SMALLINT, price NUMERIC(14,4), ratio DOUBLE PRECISION, day DATE, "
    "ok BOOLEAN, label VARCHAR(20), source_row_number BIGINT)"
)
TYPED_ROWS = [
    ["9007199254740993", "-32767", "-0.0001", "1e3", "1999-12-31", "yes", "é ünïcode"],
    ["-1", "32767", "1234567890.1234", "-0.1", "2024-02-29", "F", ""],
    ["0", "", "0", "0.30000000000000004", "0001-01-01", "", "NA"],
    ["42", "7", "-99.5", "2.5", "2100-06-15", "true", "x"],
]


def test_typed_values_land_as_the_staged_steps_land_them(engine, add_config, inbox, settings):
    """The same file by ``run_import`` (direct on PostgreSQL) and by the staged steps the Dagster assets run."""
    from elt_project.pipeline.api import new_run_id, stage_import, transform_group

    for suffix in ("direct", "staged"):
        execute(engine, TYPED_STAGING.format(name=f"stg_{suffix}"), TYPED_DEST.format(name=f"dest_{suffix}"))
    count_staging_writes_on = engine.dialect.name == "postgresql"
    if count_staging_writes_on:
        execute(
            engine,
            "CREATE TABLE stg_writes (n INTEGER)",
            "CREATE FUNCTION stg_write_seen() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO stg_writes VALUES (1); RETURN NULL; END $$",
            "CREATE TRIGGER stg_write_seen AFTER INSERT ON stg_direct FOR EACH STATEMENT "
            "EXECUTE FUNCTION stg_write_seen()",
        )
    header = ["id", "small", "price", "ratio", "day", "ok", "label"]
    direct = add_config(import_name="typed_direct", staging_table="stg_direct", destination_table="dest_direct")
    staged = add_config(import_name="typed_staged", staging_table="stg_staged", destination_table="dest_staged")
    run_import(engine, settings, direct, [write_csv(inbox / "sales_1.csv", TYPED_ROWS, header)])
    run_id = new_run_id()
    stage_import(engine, settings, staged, [inbox / "sales_1.csv"], run_id=run_id)
    transform_group(engine, settings, [staged], run_id=run_id)
    columns = "id, small, price, ratio, day, ok, label, source_row_number"
    landed = query(engine, f"SELECT {columns} FROM dest_direct ORDER BY source_row_number")
    assert landed == query(engine, f"SELECT {columns} FROM dest_staged ORDER BY source_row_number")
    assert [row[0] for row in landed] == [9007199254740993, -1, 0, 42]
    if count_staging_writes_on:
        assert query(engine, "SELECT COUNT(*) FROM stg_writes") == [(0,)]


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
