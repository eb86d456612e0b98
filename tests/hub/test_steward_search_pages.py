"""AppTest of the Data Steward, Search, Configuration Manager, Pipeline Monitor and Clustering pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from elt_project.analytics.steward import allowlist
from elt_project.analytics.steward.changes import RowChange
from elt_project.analytics.steward.save import apply_changes
from elt_project.auth.accounts import set_role
from elt_project.db import schema
from elt_project.hub.session import ACCOUNT_KEY
from tests.analytics.conftest import ROWS, products, products_meta, table_rows
from tests.config_rows import insert_config
from tests.hub.conftest import logged_in_app, make_account, menu, shown

GRID = "steward_grid_shop_products_{}"


def _shop(engine):
    products_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(products.insert(), ROWS)
    allowlist.allow(engine, "shop_products")


def _texts(at) -> str:
    parts = [
        e.value for kind in ("error", "success", "warning", "info", "caption", "markdown") for e in getattr(at, kind)
    ]
    return "\n".join(shown(str(p)) for p in parts)


def _edit(at, edited_rows: dict, added_rows: list | None = None):
    key = GRID.format(at.session_state["steward_version_shop_products"])
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": added_rows or [], "deleted_rows": []}
    at.run()
    at.button(key="steward_save").click()
    return at.run()


def test_steward_saves_an_edit_and_a_conflict_is_shown_side_by_side(hub_env):
    _shop(hub_env)
    sam = make_account(hub_env, "steward", "sam")
    make_account(hub_env, "steward", "sue")
    at = logged_in_app(sam, page="steward")
    assert not at.exception
    grid = at.data_editor(key=GRID.format(1))
    assert list(grid.value["sku"]) == ["K-1", "L-1", "M-1"] and grid.editing_mode == "dynamic"

    at = _edit(at, {0: {"stock": 11}}, [{"sku": "N-1", "name": "Notebook", "stock": 5}])
    assert "Saved shop_products: 1 updated, 1 added, 0 deleted" in _texts(at), _texts(at)
    rows = {r["sku"]: r for r in table_rows(hub_env)}
    assert rows["K-1"]["stock"] == 11 and rows["N-1"]["name"] == "Notebook"

    # Someone else changes the lamp after this page read it; our edit of the lamp is refused.
    apply_changes(hub_env, "shop_products", [RowChange(key={"sku": "L-1"}, values={"stock": 1})], username="sue")
    at = _edit(at, {1: {"price": 21.0}, 2: {"name": "Big Mug"}})
    text = _texts(at)
    assert "Row L-1: changed by someone else since you opened it" in text
    side_by_side = next(df.value for df in at.dataframe if "now in the database" in df.value.columns)
    stock = side_by_side[side_by_side["column"] == "stock"].iloc[0]
    assert (stock["you saw"], stock["now in the database"]) == ("40", "1")
    rows = {r["sku"]: r for r in table_rows(hub_env)}
    assert rows["L-1"]["price"] == Decimal("19.50") and rows["L-1"]["stock"] == 1
    assert rows["M-1"]["name"] == "Big Mug"  # the row nobody else touched was saved


def test_steward_page_refuses_below_steward_even_at_the_save(hub_env):
    _shop(hub_env)
    ann = make_account(hub_env, "analyst", "ann")
    assert "steward" not in menu(logged_in_app(ann))
    sam = make_account(hub_env, "steward", "sam")
    at = logged_in_app(sam, page="steward")
    at.session_state[GRID.format(1)] = {"edited_rows": {0: {"stock": 1}}, "added_rows": [], "deleted_rows": []}
    at.button(key="steward_save").click()
    set_role(hub_env, "sam", "analyst")  # demoted between drawing the page and clicking Save
    at.run()
    assert "steward" not in menu(at) and "Data Steward" not in [t.value for t in at.title]
    assert table_rows(hub_env) == ROWS

    # The page itself re-checks the role too, whatever menu led to it.
    direct = AppTest.from_function(_render_steward_page, default_timeout=60)
    direct.session_state[ACCOUNT_KEY] = ann
    direct.run()
    assert "needs the steward role" in _texts(direct)
    assert not direct.data_editor


def _render_steward_page():
    from elt_project.hub.pages import steward

    steward.render()


def test_search_page_finds_rows_by_meaning(hub_env, monkeypatch):
    monkeypatch.setenv("ELT_SEARCH_ENGINE", "tfidf")
    _shop(hub_env)
    ann = make_account(hub_env, "analyst", "ann")
    at = logged_in_app(ann, page="search")
    assert not at.exception
    at.text_input(key="search_query").input("kettel")
    at.run(timeout=120)
    assert not at.exception
    results = at.dataframe[0].value
    assert results.iloc[0]["Key"] == "K-1" and "Steel Kettle" in results.iloc[0]["Text"]
    assert "TF-IDF" in _texts(at)
    user = make_account(hub_env, "user", "uma")
    assert "search" not in menu(logged_in_app(user))


def test_search_page_shows_only_results_closer_than_average_to_the_query(hub_env):
    _shop(hub_env)
    at = logged_in_app(make_account(hub_env, "analyst", "ann"), page="search")
    at.text_input(key="search_query").input("kitchen appliance")
    at.run(timeout=120)
    assert not at.exception
    scores = at.dataframe[0].value["Score"]
    assert len(scores) > 0 and (scores > 0).all()


def test_configuration_manager_adds_an_analytics_config_and_shows_config_problems(hub_env):
    with hub_env.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE daily_sales (day DATE PRIMARY KEY, region VARCHAR(20), amount NUMERIC(12, 2))")
        )
        insert_config(
            conn, import_name="broken_feed", staging_table="stg_broken", destination_table="dest_broken",
            scraper_config="{not json",
        )  # fmt: skip
    ada = make_account(hub_env, "admin", "ada")
    assert "config" not in menu(logged_in_app(make_account(hub_env, "steward", "sam")))
    at = logged_in_app(ada, page="config")
    assert not at.exception
    at.selectbox(key="cfg_table").set_value("daily_sales")
    at.run()
    at.button[[b.label for b in at.button].index("Save")].click()
    at.run()
    assert "Saved analytics config #1" in _texts(at), _texts(at)
    with hub_env.connect() as conn:
        row = conn.execute(sa.select(schema.analytics_config)).mappings().one()
    assert (row["target_table"], row["date_column"], row["value_column"]) == ("daily_sales", "day", "amount")
    assert row["model_type"] in ("anomaly_detection", "forecast")
    assert "broken_feed" in _texts(at) and "scraper_config is not valid JSON" in _texts(at)

    at.selectbox(key="cfg_allow_table").set_value("daily_sales")
    at.run()
    at.button(key="cfg_allow").click()
    at.run()
    assert allowlist.is_allowed(hub_env, "daily_sales")


def test_pipeline_monitor_shows_runs_failures_quality_and_dagster_links(hub_env):
    now = datetime.now().replace(microsecond=0)
    with hub_env.begin() as conn:
        conn.execute(
            schema.etl_pipeline_run_logs.insert(),
            [
                {
                    "run_id": "0f3c1e2a-aaaa-bbbb-cccc-000000000001",
                    "pipeline_name": "Sales",
                    "import_name": "sales_daily_csv",
                    "status": "SUCCESS",
                    "start_time": now - timedelta(days=1),
                    "rows_loaded": 280,
                    "error_message": None,
                    "resolution_steps": None,
                },
                {
                    "run_id": "0f3c1e2a-aaaa-bbbb-cccc-000000000002",
                    "pipeline_name": "Sales",
                    "import_name": "sales_daily_csv",
                    "status": "FAILED",
                    "start_time": now,
                    "rows_loaded": 0,
                    "error_message": "Data quality rule 'sales_amount_not_negative' failed on 3 rows.",
                    "resolution_steps": "Inspect elt_rejected_rows for this run.",
                },
            ],
        )
        conn.execute(
            schema.data_quality_run_logs.insert(),
            [
                {
                    "run_id": "r1",
                    "import_name": "sales_daily_csv",
                    "rule_name": "sales_amount_not_negative",
                    "status": status,
                    "failing_row_count": count,
                    "checked_at": now - timedelta(days=d),
                }
                for d, status, count in ((1, "PASS", 0), (0, "FAIL", 3))
            ],
        )
    ann = make_account(hub_env, "analyst", "ann")
    at = logged_in_app(ann, page="monitor")
    assert not at.exception
    runs = at.dataframe[0].value
    assert list(runs["Status"]) == ["FAILED", "SUCCESS"]
    assert "Dagster" not in runs.columns  # the Dagster UI has no login: analysts are not sent there
    text = _texts(at)
    assert "sales_amount_not_negative' failed on 3 rows" in text and "Inspect elt_rejected_rows" in text
    quality = at.dataframe[1].value
    assert list(quality["Status"]) == ["FAIL", "PASS"]
    admin = logged_in_app(make_account(hub_env, "admin", "ada"), page="monitor")
    links = admin.dataframe[0].value["Dagster"]
    assert links.iloc[0] == "http://127.0.0.1:3001/runs/0f3c1e2a-aaaa-bbbb-cccc-000000000002"


def test_clustering_page_finds_the_groups(hub_env):
    rng = np.random.default_rng(1)
    with hub_env.begin() as conn:
        conn.execute(sa.text("CREATE TABLE baskets (id INTEGER PRIMARY KEY, amount FLOAT, items INTEGER)"))
        rows = [
            {"id": i, "amount": float(centre * rng.uniform(0.9, 1.1)), "items": int(items)}
            for i, (centre, items) in enumerate([(10, 1)] * 40 + [(500, 20)] * 40)
        ]
        conn.execute(sa.text("INSERT INTO baskets VALUES (:id, :amount, :items)"), rows)
    ann = make_account(hub_env, "analyst", "ann")
    at = logged_in_app(ann, page="clustering")
    at.selectbox(key="clu_table").set_value("baskets")
    at.run()
    at.multiselect(key="clu_columns").set_value(["amount", "items"])
    at.run()
    at.button(key="clu_run").click()
    at.run(timeout=120)
    assert not at.exception
    assert "**2 clusters**" in _texts(at)
    assert sum("Cluster" in m.value for m in at.markdown) >= 2
