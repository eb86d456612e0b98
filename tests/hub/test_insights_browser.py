"""A real browser on the real hub: Insights with its forecast band and anomalies, then the root cause of one.

Same set-up as the Ask browser test: ``streamlit run analytics_ui.py`` on a free
loopback port against a seeded SQLite warehouse, headless Chromium through Selenium,
PNGs in tests/artifacts/ (1280x800 and 390x844) for a person to look at.
"""

from __future__ import annotations

import datetime

import pytest

from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.predictive import run_predictive_analytics
from tests.analytics.signals import add_analytics_config, create_sales
from tests.browser import shoot, wait_for
from tests.hub.browser import log_in, running_hub
from tests.hub.conftest import make_account
from tests.hub.test_insight_pages import DAYS, START, _sales


@pytest.fixture
def insights_server(hub_env, settings):
    create_sales(hub_env, _sales())
    add_analytics_config(hub_env, model_type="forecast")
    add_analytics_config(hub_env, model_type="anomaly_detection")
    run_predictive_analytics(hub_env, settings, options=ForecastOptions(engine="holt_winters"), attach_story=False)
    make_account(hub_env, "analyst", "ann")
    with running_hub(settings) as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_insights_then_why(insights_server, browser):
    log_in(browser, insights_server, "ann")
    wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Insights").click()
    wait_for(browser, ".js-plotly-plot")
    spike = (START + datetime.timedelta(days=DAYS - 8)).isoformat()
    button = wait_for(browser, "button", text=f"Why {spike}?")
    shoot(browser, "hub_insights", settle_s=2)
    assert "sales.amount by order_date" in browser.find_element("css selector", "body").text
    assert button.is_displayed()
    # Clicking the red anomaly marker on the chart opens the root cause of that day.
    from selenium.webdriver.common.action_chains import ActionChains

    marker = browser.find_elements("css selector", ".js-plotly-plot .scatterlayer .trace:last-of-type path.point")
    assert len(marker) == 2  # the tripled day, then the day West x Online lost 9 in 10 orders
    ActionChains(browser).move_to_element(marker[0]).click().perform()
    wait_for(browser, "h1", text="Why did it change?")
    wait_for(browser, '[data-testid="stMarkdownContainer"]', text="Amount rose")
    wait_for(browser, ".js-plotly-plot")
    shoot(browser, "hub_why", settle_s=2)
    body = browser.find_element("css selector", "body").text
    assert spike in browser.current_url and ("accounts for" in body or "spread across segments" in body)


def _model_workers() -> list[tuple[int, str]]:
    """(pid, parent's command line) of every running model worker process on this machine."""
    from pathlib import Path

    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "elt_project.analytics.model_worker" not in command:
                continue
            parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
            found.append((int(proc.name), Path(f"/proc/{parent}/cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_run_now_fits_many_series_on_worker_processes_of_the_hub(hub_env, settings, browser):
    from elt_project.analytics.model_pool import MIN_JOBS_FOR_POOL
    from tests.analytics.signals import daily_rows, trending_series

    for n in range(MIN_JOBS_FOR_POOL):
        create_sales(hub_env, daily_rows(trending_series(60, seed=n)), name=f"sales_{n}")
        add_analytics_config(hub_env, target_table=f"sales_{n}", model_type="forecast")
    make_account(hub_env, "analyst", "ann")
    with running_hub(settings) as url:
        log_in(browser, url, "ann")
        wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Insights").click()
        # The page has drawn past its button (no predictions yet), so the button is not replaced under the click.
        wait_for(browser, '[data-testid="stCaptionContainer"]', text="No predictions yet")
        wait_for(browser, "button", text="Run the models now").click()
        wait_for(browser, '[data-testid="stAlertContentSuccess"]', text="sales_7.amount", timeout=180)
        lines = [e.text for e in browser.find_elements("css selector", '[data-testid="stAlertContentSuccess"]')]
        workers = [parent for _pid, parent in _model_workers() if str(url.rsplit(":", 1)[1]) in parent]
    assert len(lines) == MIN_JOBS_FOR_POOL and all("90 rows written" in line for line in lines)
    assert len(workers) >= 2  # fitted by worker processes started from the hub's own process
