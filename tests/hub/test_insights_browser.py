"""A real browser on the real hub: Insights with its forecast band and anomalies, then the root cause of one.

Same set-up as the Ask browser test: ``streamlit run analytics_ui.py`` on a free
loopback port against a seeded SQLite warehouse, headless Chromium through Selenium,
PNGs in tests/artifacts/ (1280x800 and 390x844) for a person to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.settings import project_root
from tests.analytics.signals import add_analytics_config, create_sales
from tests.hub.conftest import PASSWORD, make_account
from tests.hub.test_ask_browser import ARTIFACTS, _free_port, _wait, _wait_healthy, browser  # noqa: F401
from tests.hub.test_insight_pages import DAYS, START, _sales


@pytest.fixture
def insights_server(hub_env, settings):
    create_sales(hub_env, _sales())
    add_analytics_config(hub_env, model_type="forecast")
    add_analytics_config(hub_env, model_type="anomaly_detection")
    run_predictive_analytics(hub_env, settings, options=ForecastOptions(engine="holt_winters"), attach_story=False)
    make_account(hub_env, "analyst", "ann")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url.get_secret_value(),
           "ELT_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(project_root())}
    env.pop("OPENAI_API_KEY", None)
    command = [
        sys.executable, "-m", "streamlit", "run", str(project_root() / "analytics_ui.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _shoot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1280, 800)
    time.sleep(2)
    driver.save_screenshot(str(ARTIFACTS / f"{name}_desktop.png"))
    driver.set_window_size(390, 844)
    time.sleep(2)
    driver.save_screenshot(str(ARTIFACTS / f"{name}_phone.png"))
    driver.set_window_size(1280, 800)
    assert (ARTIFACTS / f"{name}_desktop.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_insights_then_why(insights_server, browser):  # noqa: F811 (the imported fixture)
    browser.get(insights_server)
    _wait(browser, 'input[aria-label="User name"]').send_keys("ann")
    browser.find_element("css selector", 'input[aria-label="Password"]').send_keys(PASSWORD)
    _wait(browser, "button", text="Log in").click()
    _wait(browser, '[data-testid="stSidebarNavLink"]', text="Insights").click()
    _wait(browser, ".js-plotly-plot")
    spike = (START + __import__("datetime").timedelta(days=DAYS - 8)).isoformat()
    button = _wait(browser, "button", text=f"Why {spike}?")
    _shoot(browser, "hub_insights")
    assert "sales.amount by order_date" in browser.find_element("css selector", "body").text
    assert button.is_displayed()
    # Clicking the red anomaly marker on the chart opens the root cause of that day.
    from selenium.webdriver.common.action_chains import ActionChains

    marker = browser.find_elements("css selector", ".js-plotly-plot .scatterlayer .trace:last-of-type path.point")
    assert len(marker) == 1
    ActionChains(browser).move_to_element(marker[0]).click().perform()
    _wait(browser, "h1", text="Why did it change?")
    _wait(browser, '[data-testid="stMarkdownContainer"]', text="Amount rose")
    _wait(browser, ".js-plotly-plot")
    _shoot(browser, "hub_why")
    body = browser.find_element("css selector", "body").text
    assert spike in browser.current_url and "explains" in body or "spread across segments" in body
