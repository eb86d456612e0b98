"""Late imports in red on the Data Importer page (SQLite and PostgreSQL), and a look in real Chromium.

The app's ``CLOCK`` fixes "now"; the ledger says when each import's last file was loaded.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from elt_project.auth.accounts import create_user
from elt_project.auth.permissions import grant
from elt_project.db import schema
from tests.browser import chromium, shoot, wait_for
from tests.net import free_port
from tests.pipeline.test_freshness import add_ledger
from tests.runner.conftest import add_small_pipelines, login

PASSWORD = "a-good-password"
#: Tuesday 13 January 2026, 09:30 in Berlin: the Sales CSV promised by 09:00 has not come.
NOW = datetime(2026, 1, 13, 8, 30, tzinfo=UTC)


def promise(engine, import_name: str, schedule: str) -> None:
    table = schema.elt_pipeline_configs
    with engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.import_name == import_name).values(expected_schedule=schedule))


@pytest.fixture
def late_app(engine, settings, app_on):
    add_small_pipelines(engine, settings)
    promise(engine, "sales_daily_csv", "weekdays by 09:00 Europe/Berlin")
    promise(engine, "inventory_snapshot", "daily by 06:00 UTC")
    add_ledger(engine, "sales_daily_csv", datetime(2026, 1, 12, 7, 40, tzinfo=UTC), 1200, name="sales_20260112")
    add_ledger(engine, "inventory_snapshot", datetime(2026, 1, 13, 5, 10, tzinfo=UTC), 300)
    with engine.begin() as conn:  # the run that loaded it, as the page shows it
        conn.execute(
            sa.insert(schema.etl_pipeline_run_logs).values(
                run_id="r-1",
                pipeline_name="Sales",
                import_name="sales_daily_csv",
                file_name="sales_20260112.csv",
                status="SUCCESS",
                start_time=datetime(2026, 1, 12, 7, 39),
                end_time=datetime(2026, 1, 12, 7, 40),
                rows_loaded=1200,
            )
        )
    create_user(engine, "clerk", PASSWORD, "user")
    grant(engine, "clerk", "Sales")
    grant(engine, "clerk", "Inventory")
    return app_on(settings, CLOCK=lambda: NOW)


def test_the_late_import_is_red_and_says_when_its_file_was_due(late_app):
    client = late_app.test_client()
    login(client, "clerk", PASSWORD)
    html = client.get("/").get_data(as_text=True)
    items = re.findall(r'<li class="import[^"]*">.*?</li>', html, flags=re.S)
    late = [item for item in items if "import-late" in item]
    assert len(items) == 3 and len(late) == 1 and "sales_daily_csv" in late[0]
    assert 'class="freshness freshness-late"' in late[0]
    assert "Late: A file was due by 2026-01-13 08:00 UTC; the last file was loaded 2026-01-12 07:40 UTC." in late[0]
    assert "freshness" not in "".join(i for i in items if i not in late)  # on-time imports stay as they were

    body = client.get("/api/imports").get_json()
    states = {i["import_name"]: i["freshness"]["state"] for g in body["groups"] for i in g["imports"]}
    assert states == {"sales_daily_csv": "late", "sales_daily_psv": "no_promise", "inventory_snapshot": "on_time"}


@pytest.mark.slow
def test_screenshot_of_the_late_import(late_app, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("one screenshot is enough: the SQLite leg takes it")
    port = free_port()
    server = make_server("127.0.0.1", port, late_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    browser = chromium(tmp_path / "profile")
    driver = next(browser)
    try:
        driver.get(f"http://127.0.0.1:{port}/login")
        wait_for(driver, "input[name=username]").send_keys("clerk")
        driver.find_element("css selector", "input[name=password]").send_keys(PASSWORD)
        driver.find_element("css selector", "form button[type=submit]").click()
        late = wait_for(driver, ".freshness-late", text="Late:")
        assert late.value_of_css_property("color") in ("rgba(179, 38, 30, 1)", "rgb(179, 38, 30)")
        shoot(driver, "freshness_late_import")
    finally:
        browser.close()
        server.shutdown()
