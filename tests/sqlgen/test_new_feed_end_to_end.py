"""A new feed set up only with the generators, then loaded by the real engine (both warehouses)."""

from __future__ import annotations

import sqlalchemy as sa

from elt_project.config.repository import load_pipeline_configs
from elt_project.pipeline.api import run_pipeline
from elt_project.pipeline.column_mappings import generate_column_mappings
from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql
from tests.sqlgen.test_column_mappings import store
from tests.sqlgen.test_setup_sql import make_configs, write_samples


def test_generated_setup_and_mapping_load_files_end_to_end(engine, settings, tmp_path):
    folders = write_samples(tmp_path)
    store(engine, make_configs(folders)[:2])  # orders (CSV, replace) and regions (Excel, append)
    configs, problems = load_pipeline_configs(engine)
    assert problems == []

    setup = generate_setup_sql(configs, engine.dialect.name, settings)
    assert setup.problems == []
    apply_setup_sql(engine, setup, settings)
    mappings = generate_column_mappings(engine, configs)
    assert set(mappings) == {"orders_csv", "regions_xlsx"} and mappings.problems == []

    first = run_pipeline(engine, settings, "Sales")
    assert first.errors == []
    with engine.connect() as conn:
        orders = conn.execute(
            sa.text("SELECT order_id, customer_name, amount, is_paid, code FROM dest_orders ORDER BY order_id")
        ).all()
        regions = conn.execute(sa.text("SELECT region, manager, target_2024 FROM dest_regions ORDER BY region")).all()
        stamps = conn.execute(sa.text("SELECT count(*) FROM dest_orders WHERE load_timestamp IS NOT NULL")).scalar()
    assert [tuple(r) for r in orders] == [
        (1001, "O'Brien & Co", 12.5, True, "A-007"),
        (1002, "Zürich AG", 7.0, False, "B-010"),
    ]
    assert [tuple(r) for r in regions] == [("North", "Åsa", 1500), ("South", "Bob", 900)]
    assert stamps == 2

    # A changed orders file replaces the destination; the Excel import appends.
    (folders["orders"] / "Orders_2024-02.csv").write_text(
        "Order ID,Order Date,Customer Name,Amount,Is Paid,Code\n2001,2024-02-01,New GmbH,1.25,true,C-1\n",
        encoding="utf-8",
    )
    second = run_pipeline(engine, settings, "Sales")
    assert second.errors == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT order_id FROM dest_orders")).scalars().all() == [2001]
        assert conn.execute(sa.text("SELECT count(*) FROM dest_regions")).scalar() == 2
