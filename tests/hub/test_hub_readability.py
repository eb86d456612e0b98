"""The hub's pages as a person reads them: headers, blanks, grouped numbers, Monitor advice, clustering defaults."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import sqlalchemy as sa

from elt_project.analytics import monitor
from elt_project.db import schema
from tests.hub.conftest import logged_in_app, make_account, shown


def test_ask_table_has_readable_headers_grouped_numbers_and_blank_empties(hub_env, sales_engine):
    at = logged_in_app(make_account(sales_engine, "analyst"), page="ask")
    statement = "SELECT region, SUM(amount) * 1000 + 0.45 AS total_amount, NULL AS note FROM dest_sales GROUP BY region"
    at.text_area(key="ask_sql").input(statement)
    at.button(key="ask_run_sql").click()
    at.run()
    assert not at.exception
    grid = at.dataframe[0]
    assert list(grid.value.columns) == ["Region", "Total amount", "Note"]
    assert set(grid.value["Note"]) == {""}  # not "None"
    config = json.loads(grid.proto.columns)
    assert config["Total amount"]["type_config"]["format"] == "localized"  # thousands separators in the grid
    assert at.get("download_button")[0].label == "Download as CSV"


def test_monitor_advice_follows_later_loads_and_quality_failures_get_advice(hub_env):
    now = dt.datetime.now().replace(microsecond=0)
    hours = dt.timedelta(hours=1)
    with hub_env.begin() as conn:
        conn.execute(
            schema.etl_pipeline_run_logs.insert(),
            [
                {"run_id": "a1", "import_name": "sales_csv", "status": "FAILED", "start_time": now - 3 * hours,
                 "error_message": "Header missing.", "resolution_steps": "Fix the header."},
                {"run_id": "a2", "import_name": "sales_csv", "status": "SUCCESS", "start_time": now - 2 * hours,
                 "error_message": None, "resolution_steps": None},
                {"run_id": "b1", "import_name": "stock_csv", "status": "QUALITY_FAILED", "start_time": now,
                 "error_message": "Rule on_hand_positive failed on 2 rows.", "resolution_steps": None},
            ],
        )  # fmt: skip
        conn.execute(
            schema.elt_file_ledger.insert().values(
                import_name="sales_csv", content_hash="c" * 64, file_path="/srv/drops/2026/06/sales_0601.csv",
                file_size=10, file_mtime=0.0, status="LOADED", first_seen_at=now,
            )
        )  # fmt: skip
    at = logged_in_app(make_account(hub_env, "analyst", "ann"), page="monitor")
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert any("stock\\_csv: stopped by a data-quality rule" in label for label in labels), labels
    advice = [shown(i.value) for i in at.info]
    assert advice == [f"What to do: {monitor.QUALITY_ADVICE}"]  # none for sales_csv, which loaded later
    assert any("A later run of this import loaded" in s.value for s in at.success)
    files = at.dataframe[-1].value
    assert list(files.columns)[:2] == ["File", "Status"]
    assert files["File"].iloc[0] == "sales_0601.csv" and files["Content hash"].iloc[0] == "c" * 12 + "…"


def test_clustering_preselects_measures_not_keys(hub_env):
    rng = np.random.default_rng(2)
    table = sa.Table(
        "visits",
        sa.MetaData(),
        sa.Column("visit_id", sa.Integer, primary_key=True),
        sa.Column("store_id", sa.Integer),
        sa.Column("minutes", sa.Float),
        sa.Column("spend", sa.Float),
    )
    table.create(hub_env)
    with hub_env.begin() as conn:
        conn.execute(
            table.insert(),
            [{"visit_id": i, "store_id": i % 4, "minutes": float(rng.uniform(1, 60)),
              "spend": float(rng.uniform(5, 90))} for i in range(60)],
        )  # fmt: skip
    at = logged_in_app(make_account(hub_env, "analyst", "ann"), page="clustering")
    at.selectbox(key="clu_table").set_value("visits")
    at.run()
    assert at.multiselect(key="clu_columns").value == ["minutes", "spend"]
    assert any("visit\\_id, store\\_id" in c.value for c in at.caption)
