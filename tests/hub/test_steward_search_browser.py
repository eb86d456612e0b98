"""A real browser on the real hub: the Data Steward grid and a semantic search, screenshotted.

Starts ``streamlit run analytics_ui.py`` against a SQLite warehouse with an editable
table, logs a steward in through headless Chromium, opens the Data Steward page and
the Search page, and saves PNGs (1280x800 and 390x844) under tests/artifacts/.
"""

from __future__ import annotations

import time

import pytest

from elt_project.analytics.search import minilm
from tests.analytics.conftest import ROWS, products, products_meta
from tests.browser import ARTIFACTS, shoot, wait_for
from tests.hub.browser import log_in, running_hub
from tests.hub.conftest import make_account

from elt_project.analytics.steward import allowlist  # isort: skip


@pytest.fixture
def steward_hub(engine, settings):
    products_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(products.insert(), ROWS)
    allowlist.allow(engine, "shop_products")
    make_account(engine, "steward", "sam")
    with running_hub(settings) as url:
        yield url


@pytest.mark.slow
@pytest.mark.skipif(not minilm.available(), reason="embedding model package not installed")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_steward_grid_and_semantic_search(steward_hub, browser):
    log_in(browser, steward_hub, "sam")
    wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Data Steward").click()
    wait_for(browser, '[data-testid="stDataFrame"]')
    wait_for(browser, "button", text="Save changes")
    shoot(browser, "hub_steward")
    body = browser.find_element("css selector", "body").text
    assert "Data Steward" in body and "Key: sku" in body

    wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Search").click()
    box = wait_for(browser, 'input[aria-label="What are you looking for?"]')
    box.send_keys("kitchen appliance\n")
    wait_for(browser, '[data-testid="stCaptionContainer"]', text="local sentence-embedding model", timeout=180)
    wait_for(browser, '[data-testid="stDataFrame"]')
    shoot(browser, "hub_search")


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
def test_browser_steward_edits_a_cell_and_sees_a_conflict_side_by_side(steward_hub, browser, engine):
    from elt_project.analytics.steward.changes import RowChange
    from elt_project.analytics.steward.save import apply_changes
    from tests.analytics.conftest import table_rows

    make_account(engine, "steward", "sue")
    log_in(browser, steward_hub, "sam")
    wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Data Steward").click()
    grid = wait_for(browser, '[data-testid="stDataFrame"]')
    time.sleep(1.5)
    # Columns: (row marker) delete? sku name price stock launched; header ~36 px, rows ~35 px.
    _type_into_cell(browser, grid, 595, 53, "11")  # K-1's stock
    wait_for(browser, "button", text="Save changes").click()
    wait_for(browser, '[data-testid="stAlertContentSuccess"]', text="1 updated")
    assert {r["sku"]: r["stock"] for r in table_rows(engine)}["K-1"] == 11

    apply_changes(engine, "shop_products", [RowChange(key={"sku": "L-1"}, values={"stock": 1})], username="sue")
    grid = wait_for(browser, '[data-testid="stDataFrame"]')
    time.sleep(1.0)
    _type_into_cell(browser, grid, 595, 88, "45")  # L-1's stock, which sue changed meanwhile
    wait_for(browser, "button", text="Save changes").click()
    error = wait_for(browser, '[data-testid="stAlertContentError"]', text="changed by someone else since you opened it")
    shoot(browser, "hub_steward_conflict")
    browser.execute_script("arguments[0].scrollIntoView()", error)
    time.sleep(1.0)
    browser.save_screenshot(str(ARTIFACTS / "hub_steward_conflict_side_by_side_desktop.png"))
    assert {r["sku"]: r["stock"] for r in table_rows(engine)}["L-1"] == 1
