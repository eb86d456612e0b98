"""Column mapping and enrichment, through real staging loads."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.pipeline import enrichment as enrichment_mod
from elt_project.pipeline.api import new_run_id, run_import, stage_import
from elt_project.pipeline.mapping import parse_column_mapping, plan_columns
from tests.pipeline.conftest import execute, query, write_csv

ROWS = [[1, "Ann", "10", "A"], [2, "Bob", "5", "I"]]


def _staging():
    meta = sa.MetaData()
    return sa.Table("stg", meta, *(sa.Column(n, sa.String) for n in ("col_1", "col_2", "Col Three", "dagster_run_id")))


def test_parse_mapping_text_and_json():
    assert parse_column_mapping("Source Col 1 > col_1, Source Col 2 > col_2", import_name="x") == [
        ("Source Col 1", "col_1"),
        ("Source Col 2", "col_2"),
    ]
    assert parse_column_mapping('{"A": "col_1"}', import_name="x") == [("A", "col_1")]
    with pytest.raises(ConfigurationError, match="without '>'"):
        parse_column_mapping("A col_1", import_name="x")


def test_plan_by_name_loose_name_and_position():
    mapping = "Source Col 1 > col_1, Source Col 2 > col_2"
    by_name = plan_columns(["Source Col 2", "Source Col 1"], _staging(), mapping, import_name="i", file_name="f")
    assert (by_name.sources, by_name.targets) == ((0, 1), ("col_2", "col_1"))
    loose = plan_columns(["source_col_1", "SOURCE COL 2"], _staging(), mapping, import_name="i", file_name="f")
    assert loose.targets == ("col_1", "col_2")
    positional = plan_columns(["Srce Col One", "Source Col 2"], _staging(), mapping, import_name="i", file_name="f")
    assert (positional.sources, positional.targets) == ((0, 1), ("col_1", "col_2"))


def test_plan_reports_missing_and_extra_by_name():
    mapping = "Source Col 1 > col_1, Source Col 2 > col_2"
    with pytest.raises(SourceFileError) as err:
        plan_columns(["Source Col 1", "Other", "More"], _staging(), mapping, import_name="imp", file_name="f.csv")
    message = str(err.value)
    assert "'Source Col 2'" in message and "'Other'" in message and "'More'" in message and "f.csv" in message
    with pytest.raises(ConfigurationError, match="'nope'"):
        plan_columns(["A"], _staging(), "A > nope", import_name="imp", file_name="f.csv")


def test_plan_without_mapping_is_case_insensitive_with_spaces():
    plan = plan_columns(["COL_1", "col three"], _staging(), None, import_name="i", file_name="f")
    assert plan.targets == ("col_1", "Col Three")
    with pytest.raises(ConfigurationError, match="'Surprise'.*column_mapping"):
        plan_columns(["col_1", "Surprise"], _staging(), None, import_name="i", file_name="f")


def test_mapping_applied_in_a_real_load(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(column_mapping="Order No > order_id, Client > customer, Total > amount, State > status")
    write_csv(inbox / "sales_1.csv", ROWS, header=["Order No", "Client", "Total", "State"])
    run_import(engine, settings, config)
    assert query(engine, "SELECT order_id, customer FROM dest_sales ORDER BY order_id") == [(1, "Ann"), (2, "Bob")]


def test_staging_table_missing_a_column_names_it(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config()
    write_csv(
        inbox / "sales_1.csv",
        [[1, "Ann", "1", "A", "x"]],
        header=["order_id", "customer", "amount", "status", "region"],
    )
    with pytest.raises(ConfigurationError, match="'region'"):
        run_import(engine, settings, config)
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
    assert query(engine, "SELECT status FROM etl_pipeline_run_logs") == [("FAILED",)]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]


def test_staging_table_without_run_id_column(settings, engine, add_config, inbox):
    execute(engine, "CREATE TABLE stg_bad (order_id VARCHAR(10))", "CREATE TABLE dest_bad (order_id VARCHAR(10))")
    config = add_config(staging_table="stg_bad", destination_table="dest_bad")
    with pytest.raises(ConfigurationError, match="dagster_run_id"):
        stage_import(engine, settings, config, run_id=new_run_id())


def test_hand_made_staging_table_with_only_run_id(settings, engine, add_config, inbox):
    execute(
        engine,
        "CREATE TABLE stg_min (order_id VARCHAR(10), customer VARCHAR(50), dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_min (order_id VARCHAR(10), customer VARCHAR(50))",
    )
    config = add_config(
        staging_table="stg_min", destination_table="dest_min", load_method="append", deduplication_key="order_id"
    )
    write_csv(inbox / "sales_1.csv", [[1, "Ann"], [1, "Ann again"], [2, "Bob"]], header=["order_id", "customer"])
    summary = run_import(engine, settings, config)
    assert summary.transform.rows_deduplicated == {"sales_daily": 1}
    assert query(engine, "SELECT order_id, customer FROM dest_min ORDER BY order_id") == [("1", "Ann"), ("2", "Bob")]


def test_enrichment_fills_nulls_only_with_one_query_per_lookup(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(
        engine,
        "CREATE TABLE dim_customer (name VARCHAR(50), segment VARCHAR(50), tier VARCHAR(10))",
        "INSERT INTO dim_customer VALUES ('Ann', 'Retail', 'T1'), ('Bob', 'Trade', 'T2')",
        "INSERT INTO data_enrichment_rules (rule_name, target_staging_table, target_column_to_enrich, lookup_table, "
        "lookup_key_column_staging, lookup_key_column_lookup, lookup_value_column, is_active) VALUES "
        "('seg', 'stg_sales', 'category', 'dim_customer', 'customer', 'name', 'segment', 1), "
        "('tier', 'stg_sales', 'status', 'dim_customer', 'customer', 'name', 'tier', 1)",
    )
    config = add_config(staging_retention_days=5)
    write_csv(
        inbox / "sales_1.csv",
        [[1, "Ann", "1", "", "Given"], [2, "Bob", "2", "A", ""], [3, "Zed", "3", "", ""]],
        header=["order_id", "customer", "amount", "status", "category"],
    )
    statements: list[str] = []

    def count_lookups(conn, cursor, statement, *args):
        if "dim_customer" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count_lookups)
    try:
        run_import(engine, settings, config)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_lookups)
    assert len(statements) == 1  # both rules, one lookup table: one query for the whole run
    rows = query(engine, "SELECT order_id, status, category FROM stg_sales ORDER BY source_row_number")
    assert rows == [("1", "T1", "Given"), ("2", "A", "Trade"), ("3", None, None)]


def test_enrichment_rule_with_unknown_column_is_named(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(
        engine,
        "CREATE TABLE dim_x (k VARCHAR(5), v VARCHAR(5))",
        "INSERT INTO data_enrichment_rules (rule_name, target_staging_table, target_column_to_enrich, lookup_table, "
        "lookup_key_column_staging, lookup_key_column_lookup, lookup_value_column, is_active) VALUES "
        "('broken_rule', 'stg_sales', 'category', 'dim_x', 'customer', 'k', 'missing_col', 1)",
    )
    with pytest.raises(ConfigurationError, match="broken_rule.*missing_col"):
        enrichment_mod.load_enricher(engine, sa.Table("stg_sales", sa.MetaData(), autoload_with=engine), "stg_sales")
