"""The real hub for browser tests: ``streamlit run analytics_ui.py`` on a free loopback port, and a login."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from elt_project.settings import Settings, project_root
from tests.browser import wait_for
from tests.hub.conftest import PASSWORD
from tests.net import free_port


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


@contextmanager
def running_hub(settings: Settings, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """The hub on the test warehouse, with no LLM (unless ``extra_env`` names one) and the default
    search engine; yields its URL."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "PYTHONPATH": str(project_root()),
    }
    for name in ("OPENAI_API_KEY", "ELT_SEARCH_ENGINE"):
        env.pop(name, None)
    env.update(extra_env or {})
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


def log_in(driver, url: str, username: str) -> None:
    """Open the hub and log ``username`` in with the test accounts' password."""
    driver.get(url)
    wait_for(driver, 'input[aria-label="User name"]').send_keys(username)
    driver.find_element("css selector", 'input[aria-label="Password"]').send_keys(PASSWORD)
    wait_for(driver, "button", text="Log in").click()
