"""Column mappings written into elt_pipeline_configs once the staging tables exist."""

from __future__ import annotations

import json

import sqlalchemy as sa

from elt_project.config.insert_sql import render_config_insert
from elt_project.config.repository import get_pipeline_config, load_pipeline_configs
from elt_project.pipeline.column_mappings import format_mapping, generate_column_mappings
from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql
from tests.sqlgen.test_setup_sql import make_configs, write_samples


def store(engine, configs) -> None:
    with engine.begin() as conn:
        for config in configs:
            values = config.model_dump(exclude={"id", "scraper_config", "deduplication_key", "depends_on"})
            conn.exec_driver_sql(render_config_insert(values, engine.dialect.name))


def test_mapping_is_written_for_imports_with_a_staging_table(engine, settings, tmp_path):
    folders = write_samples(tmp_path)
    orders, regions, returns = make_configs(folders)
    store(engine, [orders, regions, returns])
    apply_setup_sql(engine, generate_setup_sql([orders], engine.dialect.name, settings), settings)

    configs, _ = load_pipeline_configs(engine)
    result = generate_column_mappings(engine, configs)

    expected = (
        "Order ID > order_id, Order Date > order_date, Customer Name > customer_name, "
        "Amount > amount, Is Paid > is_paid, Code > code"
    )
    assert dict(result) == {"orders_csv": expected}
    assert get_pipeline_config(engine, "orders_csv").column_mapping == expected
    assert get_pipeline_config(engine, "regions_xlsx").column_mapping is None
    assert result.problems == [
        "regions_xlsx: staging table stg_regions does not exist yet; run the generated setup SQL first.",
        "returns_csv: staging table stg_returns does not exist yet; run the generated setup SQL first.",
    ]


def test_column_count_mismatch_is_reported_not_written(engine, tmp_path):
    folders = write_samples(tmp_path)
    orders = make_configs(folders)[0]
    store(engine, [orders])
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE stg_orders (order_id INTEGER, order_date DATE, dagster_run_id VARCHAR(255))")
        )
    result = generate_column_mappings(engine, [orders])
    assert dict(result) == {}
    assert result.problems == [
        (
            "orders_csv: the sample file has 6 columns but stg_orders has 2; "
            "align the table with the file or write column_mapping by hand."
        )
    ]
    assert get_pipeline_config(engine, "orders_csv").column_mapping is None


def test_headers_with_separators_use_the_json_form():
    assert format_mapping([("Name", "name"), (" Qty ", "qty")]) == "Name > name, Qty > qty"
    text = format_mapping([("Amount, EUR", "amount_eur"), ("A > B", "a_b")])
    assert json.loads(text) == {"Amount, EUR": "amount_eur", "A > B": "a_b"}


def test_hand_made_table_in_another_order_is_mapped_by_name(engine, tmp_path):
    folders = write_samples(tmp_path)
    orders = make_configs(folders)[0]
    store(engine, [orders])
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE stg_orders (code VARCHAR(10), is_paid VARCHAR(10), amount FLOAT, "
                "customer_name VARCHAR(50), order_date DATE, order_id INTEGER, dagster_run_id VARCHAR(255))"
            )
        )
    result = generate_column_mappings(engine, [orders])
    assert result["orders_csv"] == (
        "Order ID > order_id, Order Date > order_date, Customer Name > customer_name, "
        "Amount > amount, Is Paid > is_paid, Code > code"
    )


def test_renamed_headers_fall_back_to_position():
    from elt_project.pipeline.column_mappings import pair_columns

    assert pair_columns(["Kunde", "Betrag"], ["customer", "amount"]) == [
        ("Kunde", "customer"),
        ("Betrag", "amount"),
    ]
