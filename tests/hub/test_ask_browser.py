"""A real browser on the real hub: log in, open Ask, ask a question, screenshot the answer.

Starts ``streamlit run analytics_ui.py`` on a free loopback port against a SQLite
warehouse and drives headless Debian Chromium through Selenium. The PNGs land in
tests/artifacts/ (desktop 1280x800 and phone 390x844) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from elt_project.settings import project_root
from tests.hub.conftest import PASSWORD, make_account

ARTIFACTS = project_root() / "tests" / "artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"streamlit exited: {process.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the hub did not become healthy in time")


@pytest.fixture
def hub_server(sales_engine, settings, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "PYTHONPATH": str(project_root()),
    }
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


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and shutil.which(CHROMEDRIVER)):
        pytest.fail("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,800",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 800)
    yield driver
    driver.quit()


def _wait(driver, css: str, timeout: float = 60, text: str | None = None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    if text is None:
        return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))
    return wait.until(lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text), False))


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_asks_a_question_and_shows_the_answer(sales_engine, hub_server, browser):
    make_account(sales_engine, "analyst", "ann")
    browser.get(hub_server)
    _wait(browser, 'input[aria-label="User name"]').send_keys("ann")
    browser.find_element("css selector", 'input[aria-label="Password"]').send_keys(PASSWORD)
    _wait(browser, "button", text="Log in").click()
    _wait(browser, '[data-testid="stMetric"]', text="Revenue")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    time.sleep(1)
    browser.save_screenshot(str(ARTIFACTS / "hub_home_desktop.png"))
    _wait(browser, '[data-testid="stSidebarNavLink"]', text="Ask").click()
    question = _wait(browser, 'input[aria-label="Question"]')
    question.send_keys("revenue by region in 2025")
    _wait(browser, "button", text="Ask").click()
    _wait(browser, '[data-testid="stDataFrame"]')
    _wait(browser, '[data-testid="stCaptionContainer"]', text="built-in parser")
    time.sleep(1.5)  # let the chart finish drawing
    browser.save_screenshot(str(ARTIFACTS / "hub_ask_desktop.png"))
    browser.set_window_size(390, 844)
    time.sleep(1.5)
    browser.save_screenshot(str(ARTIFACTS / "hub_ask_phone.png"))
    body = browser.find_element("css selector", "body").text
    assert "Ask" in body and "North" in body and "West" in body
    assert (ARTIFACTS / "hub_ask_desktop.png").stat().st_size > 10_000
