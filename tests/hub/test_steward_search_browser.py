"""A real browser on the real hub: the Data Steward grid and a semantic search, screenshotted.

Starts ``streamlit run analytics_ui.py`` against a SQLite warehouse with an editable
table, logs a steward in through headless Chromium, opens the Data Steward page and
the Search page, and saves PNGs (1280x800 and 390x844) under tests/artifacts/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from elt_project.analytics.search import minilm
from elt_project.settings import project_root
from tests.analytics.conftest import ROWS, products, products_meta
from tests.hub.conftest import PASSWORD, make_account
from tests.hub.test_ask_browser import ARTIFACTS, _free_port, _wait, _wait_healthy, browser  # noqa: F401

from elt_project.analytics.steward import allowlist  # isort: skip


@pytest.fixture
def steward_hub(engine, settings):
    products_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(products.insert(), ROWS)
    allowlist.allow(engine, "shop_products")
    make_account(engine, "steward", "sam")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "PYTHONPATH": str(project_root()),
    }
    for name in ("OPENAI_API_KEY", "ELT_SEARCH_ENGINE"):
        env.pop(name, None)
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
    time.sleep(1.5)
    driver.save_screenshot(str(ARTIFACTS / f"{name}_desktop.png"))
    driver.set_window_size(390, 844)
    time.sleep(1.5)
    driver.save_screenshot(str(ARTIFACTS / f"{name}_phone.png"))
    driver.set_window_size(1280, 800)
    assert (ARTIFACTS / f"{name}_desktop.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.skipif(not minilm.available(), reason="embedding model package not installed")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_steward_grid_and_semantic_search(steward_hub, browser):  # noqa: F811
    browser.get(steward_hub)
    _wait(browser, 'input[aria-label="User name"]').send_keys("sam")
    browser.find_element("css selector", 'input[aria-label="Password"]').send_keys(PASSWORD)
    _wait(browser, "button", text="Log in").click()
    _wait(browser, '[data-testid="stSidebarNavLink"]', text="Data Steward").click()
    _wait(browser, '[data-testid="stDataFrame"]')
    _wait(browser, "button", text="Save changes")
    _shoot(browser, "hub_steward")
    body = browser.find_element("css selector", "body").text
    assert "Data Steward" in body and "Key: sku" in body

    _wait(browser, '[data-testid="stSidebarNavLink"]', text="Search").click()
    box = _wait(browser, 'input[aria-label="What are you looking for?"]')
    box.send_keys("kitchen appliance\n")
    _wait(browser, '[data-testid="stCaptionContainer"]', text="local sentence-embedding model", timeout=180)
    _wait(browser, '[data-testid="stDataFrame"]')
    _shoot(browser, "hub_search")
