"""Starting the browser for Selenium scrapers: the system's Chromium first, downloads only as a fallback.

Order: ``driver_options.binary`` / ``chromedriver`` paths from the config, then the
Debian packages (``/usr/bin/chromium`` + ``/usr/bin/chromedriver``) or any
chromedriver on PATH, then Selenium Manager (which downloads a driver, so it
needs the internet or its cache). When none works, the error says plainly that no
driver is installed or cached and how to install one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from elt_project.errors import ConfigurationError

BROWSER_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DRIVER_CANDIDATES = ("chromedriver",)
#: Flags that keep a headless Chromium quiet and self-contained (no sandbox: it may run as root in services).
HEADLESS_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1024",
)
NO_DRIVER = (
    "No Chrome/Chromium driver is installed or cached and none could be downloaded; install the browser and "
    "its driver (Debian: apt-get install chromium chromium-driver; Windows: install Chrome and put "
    "chromedriver.exe on PATH) or set driver_options.chromedriver to its path."
)


def _first_on_path(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def chrome_options(driver_options: dict[str, Any], profile_dir: Path, download_dir: Path | None):
    """ChromeOptions for the scraper: headless by default, a fresh profile, downloads where asked."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    binary = driver_options.get("binary") or _first_on_path(BROWSER_CANDIDATES)
    if binary:
        options.binary_location = str(binary)
    if driver_options.get("headless", True):
        for flag in HEADLESS_FLAGS:
            options.add_argument(flag)
    else:
        options.add_argument("--no-first-run")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            options.add_argument("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    options.add_argument(f"--user-data-dir={profile_dir}")
    for flag in driver_options.get("arguments") or []:
        options.add_argument(str(flag))
    if download_dir is not None:
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(download_dir),
                "download.prompt_for_download": False,
                "download.directory_upgrade": True,
                "safebrowsing.enabled": False,
            },
        )
    return options


def start_chrome(driver_options: dict[str, Any], profile_dir: Path, download_dir: Path | None = None):
    """A running Chrome WebDriver; ConfigurationError with install advice when no driver can be found."""
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchDriverException, SessionNotCreatedException, WebDriverException
    from selenium.webdriver.chrome.service import Service

    profile_dir.mkdir(parents=True, exist_ok=True)
    options = chrome_options(driver_options, profile_dir, download_dir)
    driver_path = driver_options.get("chromedriver") or _first_on_path(DRIVER_CANDIDATES)
    try:
        if driver_path:
            driver = webdriver.Chrome(service=Service(executable_path=str(driver_path)), options=options)
        else:  # Selenium Manager: downloads a matching driver when online, else uses its cache
            driver = webdriver.Chrome(options=options)
    except NoSuchDriverException as exc:
        raise ConfigurationError(NO_DRIVER) from exc
    except SessionNotCreatedException as exc:
        first = (str(exc.msg or exc).strip().splitlines() or ["session not created"])[0][:200]
        raise ConfigurationError(
            f"Chrome could not be started ({first}); make the browser and chromedriver versions match "
            "(Debian: apt-get install chromium chromium-driver)."
        ) from exc
    except WebDriverException as exc:
        if "unable to obtain driver" in str(exc).lower() or "selenium manager" in str(exc).lower():
            raise ConfigurationError(NO_DRIVER) from exc
        raise
    driver.set_page_load_timeout(float(driver_options.get("page_load_timeout", 60)))
    if download_dir is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver
