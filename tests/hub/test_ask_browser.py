"""A real browser on the real hub: log in, open Ask, ask a question, screenshot the answer.

Starts ``streamlit run analytics_ui.py`` on a free loopback port against a SQLite
warehouse and drives headless Debian Chromium through Selenium. The PNGs land in
tests/artifacts/ (desktop 1280x800 and phone 390x844) for a person to look at.
"""

from __future__ import annotations

import time

import pytest

from tests.browser import ARTIFACTS, shoot, wait_for
from tests.hub.browser import log_in, running_hub
from tests.hub.conftest import make_account


@pytest.fixture
def hub_server(sales_engine, settings):
    with running_hub(settings) as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_asks_a_question_and_shows_the_answer(sales_engine, hub_server, browser):
    make_account(sales_engine, "analyst", "ann")
    log_in(browser, hub_server, "ann")
    wait_for(browser, '[data-testid="stMetric"]', text="Revenue")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    time.sleep(1)
    browser.save_screenshot(str(ARTIFACTS / "hub_home_desktop.png"))
    wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Ask").click()
    question = wait_for(browser, 'input[aria-label="Question"]')
    question.send_keys("revenue by region in 2025")
    wait_for(browser, "button", text="Ask").click()
    wait_for(browser, '[data-testid="stDataFrame"]')
    wait_for(browser, '[data-testid="stCaptionContainer"]', text="built-in parser")
    shoot(browser, "hub_ask")
    body = browser.find_element("css selector", "body").text
    assert "Ask" in body and "North" in body and "West" in body
