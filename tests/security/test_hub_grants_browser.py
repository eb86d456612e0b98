"""A real browser on the real hub as an Inventory-only analyst: Home and the Pipeline Monitor.

``streamlit run analytics_ui.py`` on a free loopback port against a SQLite warehouse
with two pipeline groups, headless Chromium; PNGs at 1280 and 390 px wide go to
tests/artifacts/ (``hub_grants_home_*``, ``hub_grants_monitor_*``) for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.browser import shoot, wait_for
from tests.hub import two_groups
from tests.hub.browser import log_in, running_hub
from tests.hub.conftest import browser, hub_env, make_account, sales_engine  # noqa: F401  (fixtures)


@pytest.fixture
def narrow_hub(hub_env, sales_engine, settings):  # noqa: F811  (the imported fixtures)
    two_groups.install(sales_engine)
    make_account(sales_engine, "analyst", "ivy")
    two_groups.grant_only(sales_engine, "ivy", "Inventory")
    with running_hub(settings) as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_inventory_analyst_sees_only_inventory(narrow_hub, browser):  # noqa: F811
    log_in(browser, narrow_hub, "ivy")
    wait_for(browser, "h3", text="Pipeline health")
    wait_for(browser, '[data-testid="stDataFrame"]')
    shoot(browser, "hub_grants_home", settle_s=2)
    body = browser.find_element("css selector", "body").text
    assert "Revenue" not in body and "dest_sales" not in body
    wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Pipeline Monitor").click()
    wait_for(browser, "h1", text="Pipeline Monitor")
    wait_for(browser, '[data-testid="stExpander"]', text="inventory_csv")
    shoot(browser, "hub_grants_monitor", settle_s=2)
    expander = wait_for(browser, '[data-testid="stExpander"]', text="inventory_csv")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", expander)
    expander.find_element("css selector", "summary").click()
    wait_for(browser, '[data-testid="stAlert"]', text="Inventory failure reason")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", expander)
    shoot(browser, "hub_grants_monitor_failure", settle_s=2)
    body = browser.find_element("css selector", "body").text
    assert not [m for m in two_groups.markers("Sales") if m in body]
