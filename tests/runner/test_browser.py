"""A real browser on the real page: headless Chromium drives ``python simple_ui.py``.

A person made with ``elt user add`` and granted two groups logs in, sees only
those groups, ticks one import in each, runs them and watches both runs reach
SUCCESS without reloading; the (details) links open Dagster's run pages in a new
tab. Screenshots at 1280×800 and 390×844 go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import requests

from elt_project.settings import project_root
from tests.browser import ARTIFACTS, DESKTOP, PHONE, chromium, shoot, wait_for
from tests.net import free_port
from tests.orchestration.conftest import add_config

pytestmark = pytest.mark.slow

PASSWORD = "browser-password"
SALES_HEADER = (
    "order_id,order_date,region,product_sku,product_category,channel,customer_id,quantity,unit_price,amount\n"
)


def _elt(env: dict, *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "elt_project.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=project_root(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def page_server(sqlite_stack, tmp_path_factory):
    """``python simple_ui.py`` on a free port, in front of the module's warehouse and Dagster."""
    stack = sqlite_stack
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "DAGSTER_", "RUNNER_"))}
    env.update(
        {
            "DATABASE_URL": stack.url,
            "ELT_DATA_DIR": str(stack.settings.data_dir),
            "DAGSTER_PORT": str(stack.dagster_port),
            "RUNNER_PORT": str(port),
            "BIND_HOST": "127.0.0.1",
        }
    )
    _elt(env, "user", "add", "maria", "--role", "user", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    _elt(env, "user", "grant", "maria", "Sales")
    _elt(env, "user", "grant", "maria", "Inventory")
    add_config(  # a group maria is not granted: she must not see it
        stack.engine,
        pipeline_name="Finance",
        import_name="budget_2026",
        staging_table="stg_budget",
        destination_table="budget",
    )
    log_path = tmp_path_factory.mktemp("simple_ui") / "simple_ui.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "simple_ui.py"],
        cwd=project_root(),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium(tmp_path_factory.mktemp("chromium-profile"))


def _viewport(driver, width: int, height: int, mobile: bool) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def _full_page_png(driver, path: Path) -> None:
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))


def test_a_person_logs_in_runs_two_imports_and_watches_them_succeed(browser, page_server, sqlite_stack):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    ARTIFACTS.mkdir(exist_ok=True)
    driver = browser
    _viewport(driver, 1280, 800, mobile=False)
    driver.get(page_server + "/")
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.ID, "username")))
    assert "/login" in driver.current_url
    driver.save_screenshot(str(ARTIFACTS / "runner_login_1280x800.png"))
    driver.find_element(By.ID, "username").send_keys("maria")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    button = WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.ID, "run-button")))
    groups = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "legend label")]
    assert groups == ["Inventory", "Sales"]
    assert "Finance" not in driver.page_source and "budget_2026" not in driver.page_source
    assert not button.is_enabled()

    # Tick by clicking the labels, as a person would.
    driver.find_element(By.XPATH, "//label[text()='sales_daily_psv']").click()
    assert button.is_enabled()
    driver.find_element(By.XPATH, "//label[text()='inventory_snapshot']").click()
    inventory_group = driver.find_element(By.ID, "group-1")
    assert inventory_group.is_selected()  # its only import is ticked
    button.click()

    read_runs = """
        return Array.from(document.querySelectorAll('#run-list li.run')).map((li) => {
          const link = li.querySelector('a.details');
          return {
            run_id: li.dataset.runId,
            status: li.querySelector('.run-status').textContent,
            message: li.querySelector('.run-message').textContent,
            spinner: li.querySelector('.spinner') !== null,
            href: link.href,
            text: link.textContent,
            target: link.target,
          };
        });
    """
    saw_spinner = False
    deadline = time.monotonic() + 300
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = driver.execute_script(read_runs)
        saw_spinner = saw_spinner or any(r["spinner"] for r in runs)
        if len(runs) == 2 and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
            break
        time.sleep(0.5)
    assert len(runs) == 2, driver.find_element(By.ID, "run-status").text
    assert saw_spinner
    assert sorted(r["status"] for r in runs) == ["SUCCESS", "SUCCESS"], runs
    assert not any(r["spinner"] for r in runs)
    assert all(r["message"].startswith("Finished:") and "rows loaded" in r["message"] for r in runs), runs
    assert not button.is_enabled()  # the selection was cleared
    last_run = (By.CSS_SELECTOR, ".last-run-info[data-import='sales_daily_psv']")
    WebDriverWait(driver, 30).until(ec.text_to_be_present_in_element(last_run, "Last load: "))

    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    for run in runs:
        assert run["text"] == "(details)" and run["target"] == ""  # a page of this site, not Dagster's UI
        assert run["href"] == f"{page_server}/runs/{run['run_id']}/details"
        answer = requests.get(run["href"], cookies=cookies, allow_redirects=False, timeout=10)
        assert answer.status_code == 200 and "Run log" in answer.text
        assert sqlite_stack.dagster_url not in answer.text
    assert not driver.find_elements(By.CSS_SELECTOR, "#run-list a.dagster")  # maria is no administrator

    driver.save_screenshot(str(ARTIFACTS / "runner_1280x800.png"))
    _viewport(driver, 390, 844, mobile=True)
    time.sleep(0.5)
    driver.save_screenshot(str(ARTIFACTS / "runner_390x844.png"))
    _full_page_png(driver, ARTIFACTS / "runner_390x844_full.png")
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
    _viewport(driver, 1280, 800, mobile=False)
    _full_page_png(driver, ARTIFACTS / "runner_1280x800_full.png")


def _no_sideways_scroll(driver) -> None:
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"


def test_a_failed_upload_is_explained_on_the_page_and_in_its_details(browser, page_server, tmp_path):
    """The upload form, a file one rule stops, the message, and the run's details; screenshots at both widths."""
    from selenium.webdriver.common.by import By

    driver = browser
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get(page_server + "/")
    if driver.find_elements(By.ID, "username"):
        driver.find_element(By.ID, "username").send_keys("maria")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(driver, "#upload-form", 20)
    shoot(driver, "runner_imports")

    bad = tmp_path / "my export with a long name.csv"
    rows = "".join(
        f"BRW-{i:05d},2026-11-30,North,SKU-00020,,Online,C000001,{-1 if i == 4 else 2},10.00,20.00\n"
        for i in range(1, 7)
    )
    bad.write_text(SALES_HEADER + rows)
    select = driver.find_element(By.ID, "upload-import")
    select.find_element(By.CSS_SELECTOR, "option[value='sales_daily_csv']").click()
    driver.find_element(By.ID, "upload-file").send_keys(str(bad))
    driver.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
    flash = wait_for(driver, ".flash-ok", 30, text="saved as")
    assert "sales_upload_" in flash.text

    failed = wait_for(driver, "#run-list li.run.status-failure", 240)
    message = "1 row breaks the rule “An order line never has a negative quantity” (row 4: quantity is -1)."
    assert message in failed.text, failed.text
    assert "elt_rejected_rows" not in failed.text and "(1 rows)" not in failed.text
    driver.set_window_size(*PHONE)
    time.sleep(1)
    flash = driver.find_element(By.CSS_SELECTOR, ".flash-ok")
    assert driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", flash), (
        "the upload confirmation is clipped on a phone"
    )
    _no_sideways_scroll(driver)
    driver.set_window_size(*DESKTOP)
    shoot(driver, "runner_failed_upload")

    failed.find_element(By.CSS_SELECTOR, "a.details").click()
    wait_for(driver, ".run-details", 20)
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Errors and warnings" in body and message in body
    assert "Traceback" not in body
    driver.set_window_size(*PHONE)
    time.sleep(1)
    _no_sideways_scroll(driver)
    driver.set_window_size(*DESKTOP)
    shoot(driver, "runner_run_details")
    _full_page_png(driver, ARTIFACTS / "runner_run_details_full.png")
