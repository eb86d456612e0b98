"""Headless Debian Chromium for the page tests: one way to start it, wait for things and take screenshots.

Screenshots land in ``tests/artifacts/`` (git-ignored) at desktop (1280x800) and
phone (390x844) width, for a person to look at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from elt_project.settings import project_root

ARTIFACTS = project_root() / "tests" / "artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
DESKTOP, PHONE = (1280, 800), (390, 844)
#: Without the background-networking flags Chromium keeps dialling out on a closed network.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,800",
)  # fmt: skip


def chromium(profile_dir: Path) -> Iterator:
    """A Selenium driver on headless Chromium with a fresh profile; quits when the generator is closed."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(*DESKTOP)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, css: str, timeout: float = 60, text: str | None = None):
    """The first visible element matching ``css`` (and containing ``text``), waiting up to ``timeout``."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # A page that re-renders (Streamlit does on every run) drops elements between finding and reading them.
    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    if text is None:
        return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))
    return wait.until(lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text), False))


def shoot(driver, name: str, settle_s: float = 1.5) -> None:
    """``<name>_desktop.png`` and ``<name>_phone.png`` in tests/artifacts/, then back to desktop width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.set_window_size(*size)
        time.sleep(settle_s)  # let the layout and charts redraw at the new width
        driver.save_screenshot(str(ARTIFACTS / f"{name}_{label}.png"))
    driver.set_window_size(*DESKTOP)
    assert (ARTIFACTS / f"{name}_desktop.png").stat().st_size > 10_000
