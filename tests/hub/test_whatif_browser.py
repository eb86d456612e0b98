"""A real browser on the real hub: an analyst adds a change, runs the scenario and reads a saved one.

``streamlit run analytics_ui.py`` on a free loopback port against a seeded SQLite
warehouse, headless Chromium through Selenium, PNGs in tests/artifacts/ (1280x800
and 390x844) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from elt_project.analytics.whatif.model import run_scenario
from elt_project.analytics.whatif.store import save_scenario
from tests.analytics.test_whatif import DAILY, DAYS, START, _spec, flat_orders
from tests.browser import ARTIFACTS, DESKTOP, PHONE, wait_for
from tests.hub.browser import log_in, running_hub
from tests.hub.conftest import make_account

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture
def whatif_server(hub_env, settings):
    flat_orders(hub_env, noise=12.0)
    saved = run_scenario(hub_env, _spec("channel=Online:volume:+10%", "channel=Partner:drop", horizon=28))
    save_scenario(hub_env, saved, "Online push, no Partner", make_account(hub_env, "analyst", "ann"))
    table = sa.Table("orders", sa.MetaData(), autoload_with=hub_env)
    later = [
        {"order_date": START + dt.timedelta(DAYS + d), "region": r, "channel": c,
         "amount": amount * (1.1 if c == "Online" else 0.0 if c == "Partner" else 1.0)}
        for d in range(10) for (r, c), amount in DAILY.items()
    ]  # fmt: skip
    with hub_env.begin() as conn:
        conn.execute(table.insert(), later)
    with running_hub(settings) as url:
        yield url


def _shoot_result(browser, text: str) -> None:
    """Like :func:`tests.browser.shoot`, scrolled at each width to the button ``text``, above the result."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        browser.set_window_size(*size)
        time.sleep(2)
        # Found again at each width (a re-render makes old handles stale); the top bar covers the element itself.
        anchor = wait_for(browser, "button", text=text)
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", anchor)
        time.sleep(1)
        browser.save_screenshot(str(ARTIFACTS / f"hub_whatif_{label}.png"))
    browser.set_window_size(*DESKTOP)
    assert (ARTIFACTS / "hub_whatif_desktop.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_whatif_run_and_saved(whatif_server, browser):
    log_in(browser, whatif_server, "ann")
    wait_for(browser, '[data-testid="stSidebarNavLink"]', text="What if").click()
    wait_for(browser, "h1", text="What if?")
    wait_for(browser, "button", text="Add change").click()
    wait_for(browser, '[data-testid="stMarkdownContainer"]', text="volume +10%")
    wait_for(browser, "button", text="Run scenario").click()
    wait_for(browser, '[data-testid="stMetric"]', text="Scenario", timeout=120)
    wait_for(browser, "button", text="Save scenario")
    _shoot_result(browser, "Run scenario")  # the button just above the result
    body = browser.find_element("css selector", "body").text
    assert "Saved scenarios" in body and "Over 10 days the actual total was" in body
    assert len(browser.find_elements("css selector", ".js-plotly-plot")) == 2
