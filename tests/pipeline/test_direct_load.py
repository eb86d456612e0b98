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
from elt_project.pipeline.api import run_import
from tests.pipeline.conftest import add_config, add_rule, execute, inbox, query, sales_tables, write_csv  # noqa: F401

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
