"""A feed whose columns changed, run through the real pipeline: the records the pages show come from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from elt_project.config.repository import get_pipeline_config
from elt_project.errors import SourceFileError
from elt_project.pipeline.api import run_import
from tests.config_rows import insert_config
from tests.pipeline.conftest import execute, write_csv

#: A new header that is Markdown and HTML: every page must show it as plain text.
TRICKY_HEADER = "**Bonus** <b>x</b>"


def drifting_feed(engine, settings, folder: Path) -> None:
    """Import 'orders_daily' (ignore_new): one run leaves a new column out, one fails wanting a wider amount."""
    execute(
        engine,
        "CREATE TABLE stg_orders (order_id BIGINT, amount NUMERIC(12,2), dagster_run_id VARCHAR(255), "
        "source_file_hash VARCHAR(64), source_row_number BIGINT)",
        "CREATE TABLE dest_orders (order_id BIGINT, amount NUMERIC(12,2), source_file_hash VARCHAR(64))",
    )
    folder.mkdir(parents=True, exist_ok=True)
    insert_config(
        engine,
        pipeline_name="Orders",
        import_name="orders_daily",
        file_pattern="orders_*.csv",
        monitored_directory=str(folder),
        staging_table="stg_orders",
        destination_table="dest_orders",
        column_mapping="Order ID > order_id, Amount > amount",
        load_method="append",
        schema_policy="ignore_new",
    )
    config = get_pipeline_config(engine, "orders_daily")
    header = ["Order ID", "Amount", TRICKY_HEADER]
    run_import(engine, settings, config, [write_csv(folder / "orders_1.csv", [["1", "2.50", "y"]], header)])
    with pytest.raises(SourceFileError):
        run_import(engine, settings, config, [write_csv(folder / "orders_2.csv", [["2", "2.505"]], header[:2])])
