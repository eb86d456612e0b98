"""Data-quality rules on a run's staged rows, and dedup of append imports."""

from __future__ import annotations

import json

import pytest

from elt_project.errors import ConfigurationError, DataQualityFailure, TransformError
from elt_project.pipeline.api import new_run_id, run_import, stage_import
from tests.pipeline.conftest import add_rule, execute, query, write_csv

# order_id, customer, amount, status
ROWS = [[1, "Ann", "10", "A"], [2, "Bob", "-5", "I"], [3, "Cyrus", "abc", "X"], [3, "", "20", "A"]]


@pytest.mark.parametrize(
    "check, column, expression, failing, samples",
    [
        ("NOT_NULL", "customer", None, 1, [None]),
        ("UNIQUE", "order_id", None, 2, ["3"]),
        ("IS_IN_SET", "status", "'A', 'I'", 1, ["X"]),
        ("NOT_NEGATIVE", "amount", None, 2, None),
        ("RANGE", "amount", "0,15", 3, None),
        ("MAX_LENGTH", "customer", "3", 1, ["Cyrus"]),
        ("MATCHES", "customer", "^[A-Z][a-z]{2}$", 1, ["Cyrus"]),
        ("EXISTS_IN", "status", "ref_status.code", 1, ["X"]),
        ("ROW_COUNT_MIN", None, "5", 1, [4]),
    ],
)
def test_each_check_fails_on_bad_rows(
    settings, sales_tables, add_config, inbox, check, column, expression, failing, samples
):
    engine = sales_tables
    execute(engine, "CREATE TABLE ref_status (code VARCHAR(5))", "INSERT INTO ref_status VALUES ('A'), ('I')")
    add_rule(engine, f"rule_{check.lower()}", column, check, expression, severity="WARN")
    config = add_config()
    write_csv(inbox / "sales_1.csv", ROWS)
    stage = stage_import(engine, settings, config, run_id=new_run_id())
    (outcome,) = stage.quality
    assert (outcome.passed, outcome.failing_rows) == (False, failing)
    if samples is not None:
        assert sorted(outcome.samples, key=str) == sorted(samples, key=str)
    logged = query(engine, "SELECT status, failing_row_count FROM data_quality_run_logs")
    assert logged == [("WARN", failing)]


@pytest.mark.parametrize(
    "check, column, expression",
    [
        ("NOT_NULL", "customer", None),
        ("UNIQUE", "order_id", None),
        ("IS_IN_SET", "status", "'A', 'I'"),
        ("NOT_NEGATIVE", "amount", None),
        ("RANGE", "amount", "0,20"),
        ("MAX_LENGTH", "customer", "5"),
        ("MATCHES", "customer", "^[A-Z]"),
        ("EXISTS_IN", "status", "ref_status.code"),
        ("ROW_COUNT_MIN", None, "2"),
    ],
)
def test_each_check_passes_on_good_rows(settings, sales_tables, add_config, inbox, check, column, expression):
    engine = sales_tables
    execute(engine, "CREATE TABLE ref_status (code VARCHAR(5))", "INSERT INTO ref_status VALUES ('A'), ('I')")
    add_rule(engine, "the_rule", column, check, expression)
    config = add_config()
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "10", "A"], [2, "Bob", "0", "I"]])
    summary = run_import(engine, settings, config)
    assert [q.passed for q in summary.stages[0].quality] == [True]
    assert query(engine, "SELECT status, failing_row_count FROM data_quality_run_logs") == [("PASS", 0)]
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(2,)]


def test_fail_halts_before_transform_and_keeps_rows(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (99, 'old')")
    add_rule(engine, "status_in_set", "status", "IS_IN_SET", "'A', 'I'")
    config = add_config()
    write_csv(inbox / "sales_1.csv", ROWS)
    run_id = new_run_id()
    with pytest.raises(DataQualityFailure, match="'status_in_set' \\(1 row\\)") as err:
        run_import(engine, settings, config, run_id=run_id)
    assert run_id in str(err.value)
    assert query(engine, "SELECT order_id FROM dest_sales") == [(99,)]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales WHERE dagster_run_id = :r", r=run_id) == [(4,)]
    rejected = query(
        engine, "SELECT run_id, import_name, rule_name, source_row_number, row_data FROM elt_rejected_rows"
    )
    assert len(rejected) == 1
    assert rejected[0][:4] == (run_id, "sales_daily", "status_in_set", 3)
    assert json.loads(rejected[0][4])["customer"] == "Cyrus"
    log = query(engine, "SELECT status, rows_rejected, error_message FROM etl_pipeline_run_logs")
    assert log[0][0:2] == ("QUALITY_FAILED", 1) and "kept for inspection" in log[0][2] and run_id in log[0][2]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]


def test_warn_logs_and_continues(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    add_rule(engine, "status_warn", "status", "IS_IN_SET", "'A', 'I'", severity="WARN")
    config = add_config()
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "10", "A"], [2, "Bob", "-5", "I"], [4, "Dee", "3", "X"]])
    run_import(engine, settings, config)
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(3,)]
    assert query(engine, "SELECT COUNT(*) FROM elt_rejected_rows") == [(0,)]


def test_quality_failure_not_raised_when_asked(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    add_rule(engine, "r", "customer", "NOT_NULL")
    config = add_config()
    write_csv(inbox / "sales_1.csv", ROWS)
    stage = stage_import(engine, settings, config, run_id=new_run_id(), raise_on_quality_failure=False)
    assert stage.quality_failed


@pytest.mark.parametrize(
    "check, column, expression, words",
    [
        ("NO_SUCH_CHECK", "status", None, "NO_SUCH_CHECK"),
        ("NOT_NULL", "no_column", None, "no_column"),
        ("RANGE", "amount", "ten", "min,max"),
        ("EXISTS_IN", "status", "nowhere.code", "nowhere"),
    ],
)
def test_bad_rules_are_configuration_errors_naming_the_rule(
    settings, sales_tables, add_config, inbox, check, column, expression, words
):
    engine = sales_tables
    add_rule(engine, "bad_rule", column, check, expression)
    config = add_config()
    write_csv(inbox / "sales_1.csv", ROWS[:1])
    with pytest.raises(ConfigurationError) as err:
        run_import(engine, settings, config)
    assert "bad_rule" in str(err.value) or words in str(err.value)
    assert words in str(err.value)


def test_dedup_against_destination_and_within_batch(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(engine, "INSERT INTO dest_sales (order_id, customer, status) VALUES (1, 'existing', 'A')")
    config = add_config(load_method="append", deduplication_key="order_id,status")
    write_csv(
        inbox / "sales_1.csv",
        [[1, "Ann", "1", "A"], [2, "Bob", "1", "I"], [2, "Bob2", "1", "I"], [2, "Bob3", "1", "A"], [3, "Cy", "1", ""]],
    )
    summary = run_import(engine, settings, config)
    assert summary.transform.rows_deduplicated == {"sales_daily": 2}
    rows = query(engine, "SELECT order_id, customer FROM dest_sales ORDER BY order_id, customer")
    assert rows == [(1, "existing"), (2, "Bob"), (2, "Bob3"), (3, "Cy")]
    assert query(engine, "SELECT rows_deduplicated, rows_loaded FROM etl_pipeline_run_logs") == [(2, 3)]


def test_uncastable_value_fails_transform_with_column_row_and_value(settings, sales_tables, add_config, inbox):
    engine = sales_tables  # SQLite used to keep 'abc' in the NUMERIC column; now both refuse it
    config = add_config()
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "abc", "A"]])
    with pytest.raises(TransformError, match="transform was not run.*column 'amount' is NUMERIC.*row 1 holds 'abc'"):
        run_import(engine, settings, config)


def test_numeric_checks_on_text_values(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    add_rule(engine, "amount_range", "amount", "RANGE", "0,100", severity="WARN")
    config = add_config()
    amounts = ["1e3", "-0", " 5 ", "1.2.3", ".5", "5.", "100", "12abc", "-1"]
    write_csv(inbox / "sales_1.csv", [[i, "x", a, "A"] for i, a in enumerate(amounts)])
    stage = stage_import(engine, settings, config, run_id=new_run_id())
    (outcome,) = stage.quality
    assert outcome.failing_rows == 4  # 1e3 (too big), 1.2.3 and 12abc (not numbers), -1 (too small)
