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


def _type_into_cell(driver, grid, x: int, y: int, text: str) -> None:
    """Select the grid cell at (x, y) from the grid's top-left corner, type ``text`` and commit with Enter."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    size = grid.size
    ActionChains(driver).move_to_element_with_offset(
        grid, x - size["width"] // 2, y - size["height"] // 2
    ).click().perform()
    time.sleep(0.5)
    ActionChains(driver).send_keys(Keys.ENTER).perform()  # open the cell's editor
    time.sleep(0.5)
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(text).perform()
    time.sleep(0.3)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    time.sleep(0.8)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_steward_edits_a_cell_and_sees_a_conflict_side_by_side(steward_hub, browser, engine):  # noqa: F811
    from elt_project.analytics.steward.changes import RowChange
    from elt_project.analytics.steward.save import apply_changes
    from tests.analytics.conftest import table_rows

    make_account(engine, "steward", "sue")
    browser.get(steward_hub)
    _wait(browser, 'input[aria-label="User name"]').send_keys("sam")
    browser.find_element("css selector", 'input[aria-label="Password"]').send_keys(PASSWORD)
    _wait(browser, "button", text="Log in").click()
    _wait(browser, '[data-testid="stSidebarNavLink"]', text="Data Steward").click()
    grid = _wait(browser, '[data-testid="stDataFrame"]')
    time.sleep(1.5)
    # Columns: (row marker) delete? sku name price stock launched; header ~36 px, rows ~35 px.
    _type_into_cell(browser, grid, 595, 53, "11")  # K-1's stock
    _wait(browser, "button", text="Save changes").click()
    _wait(browser, '[data-testid="stAlertContentSuccess"]', text="1 updated")
    assert {r["sku"]: r["stock"] for r in table_rows(engine)}["K-1"] == 11

    apply_changes(engine, "shop_products", [RowChange(key={"sku": "L-1"}, values={"stock": 1})], username="sue")
    grid = _wait(browser, '[data-testid="stDataFrame"]')
    time.sleep(1.0)
    _type_into_cell(browser, grid, 595, 88, "45")  # L-1's stock, which sue changed meanwhile
    _wait(browser, "button", text="Save changes").click()
    error = _wait(browser, '[data-testid="stAlertContentError"]', text="changed by someone else since you opened it")
    _shoot(browser, "hub_steward_conflict")
    browser.execute_script("arguments[0].scrollIntoView()", error)
    time.sleep(1.0)
    browser.save_screenshot(str(ARTIFACTS / "hub_steward_conflict_side_by_side_desktop.png"))
    assert {r["sku"]: r["stock"] for r in table_rows(engine)}["L-1"] == 1
