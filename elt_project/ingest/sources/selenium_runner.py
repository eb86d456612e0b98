"""Running checked browser actions (see :mod:`.selenium_dsl`) in a live WebDriver.

A failing step becomes one :class:`SourceFileError` naming the step number, its
type and selector, with a screenshot and the page source saved in the run's log
folder first. Typed values come from env vars and TOTP codes are made at the
moment they are typed; neither ever appears in a message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from elt_project.errors import EltError, SourceFileError
from elt_project.ingest.sources.base import SourceContext
from elt_project.ingest.sources.tables import html_table_records
from elt_project.ingest.sources.totp import totp_code

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0


def by(selector: str):
    from selenium.webdriver.common.by import By

    return {
        "id": By.ID,
        "name": By.NAME,
        "xpath": By.XPATH,
        "css_selector": By.CSS_SELECTOR,
        "class_name": By.CLASS_NAME,
        "link_text": By.LINK_TEXT,
    }[selector]


def describe(action: dict[str, Any]) -> str:
    if action.get("selector"):
        return f"{action['type']}, {action['selector']} {action.get('selector_value')!r}"
    return str(action.get("type"))


class ActionRunner:
    """Runs one scraper's actions; ``accumulated`` collects extract_and_accumulate rows by name."""

    def __init__(self, driver, context: SourceContext, visit: Callable[[str], None] | None = None) -> None:
        self.driver = driver
        self.context = context
        #: Opens a URL; the scraper passes one that checks the address first.
        self.visit = visit or driver.get
        self.accumulated: dict[str, list[dict[str, Any]]] = {}

    # ---- steps ------------------------------------------------------------------------

    def run(self, actions: list[dict[str, Any]], *, prefix: str = "") -> None:
        for number, action in enumerate(actions, start=1):
            step = f"{prefix}{number}"
            try:
                self._run_one(step, action)
            except EltError as exc:
                if getattr(exc, "step_reported", False):
                    raise
                raise self.failure(step, action, exc) from exc
            except Exception as exc:  # Selenium raises many kinds; each is reported the same way
                raise self.failure(step, action, exc) from exc

    def _run_one(self, step: str, action: dict[str, Any]) -> None:
        kind = action["type"]
        if kind in ("find_and_fill", "find_and_fill_totp"):
            element = self.wait_for(action, clickable=False)
            if kind == "find_and_fill":
                text = action.get("value")
                if action.get("value_env_var"):
                    text = self.context.secrets.get(action["value_env_var"], purpose=f"value typed in step {step}")
            else:
                secret = self.context.secrets.get(action["totp_secret_env_var"], purpose="TOTP secret")
                text = totp_code(secret, self.context.secrets)
            element.clear()
            element.send_keys(str(text))
        elif kind == "click":
            self.wait_for(action, clickable=True).click()
        elif kind == "wait":
            time.sleep(float(action["duration_seconds"]))
        elif kind == "wait_for_element":
            self.wait_for(action, clickable=False)
        elif kind == "navigate":
            self.visit(action["url"])
        elif kind == "if":
            branch = "then" if self.exists(action["condition"]) else "else"
            self.run(action.get(branch) or [], prefix=f"{step}.{branch}.")
        elif kind == "while_loop":
            self._loop(step, action)
        elif kind == "extract_and_accumulate":
            rows = self.table(action.get("table_index", 0))
            self.accumulated.setdefault(action["target_import_name"], []).extend(rows)
            self.context.note(f"step {step}: collected {len(rows)} rows into {action['target_import_name']}")

    def _loop(self, step: str, action: dict[str, Any]) -> None:
        limit = int(action["max_iterations"])
        for iteration in range(1, limit + 1):
            if not self.exists(action["condition"]):
                return
            self.run(action["loop_actions"], prefix=f"{step}.{iteration}.")
        if self.exists(action["condition"]):
            raise SourceFileError(
                f"the loop condition still holds after max_iterations={limit}; raise max_iterations so no "
                "page is left behind"
            )

    # ---- helpers ----------------------------------------------------------------------

    def wait_for(self, action: dict[str, Any], *, clickable: bool):
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        locator = (by(action["selector"]), action["selector_value"])
        condition = ec.element_to_be_clickable(locator) if clickable else ec.presence_of_element_located(locator)
        return WebDriverWait(self.driver, float(action.get("timeout", DEFAULT_TIMEOUT))).until(condition)

    def exists(self, condition: dict[str, Any]) -> bool:
        from selenium.common.exceptions import TimeoutException

        try:
            self.wait_for({**condition, "timeout": condition.get("timeout", 0)}, clickable=False)
            return True
        except TimeoutException:
            return False

    def table(self, table_index: int) -> list[dict[str, Any]]:
        return html_table_records(self.driver.page_source, table_index, source=f"page {self._page()}")

    def _page(self) -> str:
        from elt_project.ingest.sources.http import safe_address

        try:
            return safe_address(self.driver.current_url)
        except Exception:  # a dead browser has no URL; the message still names the step
            return "(unknown page)"

    def failure(self, step: str, action: dict[str, Any], exc: Exception) -> SourceFileError:
        """The step's error, after saving a screenshot and the page source as evidence."""
        evidence = self.save_evidence(f"step_{step}")
        reason = str(exc).rstrip(".") if isinstance(exc, EltError) else _selenium_reason(exc)
        kind = type(exc) if isinstance(exc, EltError) else SourceFileError  # a missing env var stays a config error
        error = kind(
            self.context.secrets.redact(
                f"Step {step} ({describe(action)}) failed on {self._page()}: {reason}; "
                f"screenshot and page source saved in {evidence}."
            )
        )
        error.step_reported = True
        return error

    def save_evidence(self, name: str) -> Path:
        folder = self.context.log_dir
        folder.mkdir(parents=True, exist_ok=True)
        try:
            self.driver.save_screenshot(str(folder / f"{name}.png"))
            (folder / f"{name}.html").write_text(self.driver.page_source, encoding="utf-8")
        except Exception as exc:  # the browser may be gone; the message still names the step
            log.debug("no evidence saved for %s: %s", name, exc)
        return folder


def _selenium_reason(exc: Exception) -> str:
    from selenium.common.exceptions import TimeoutException

    if isinstance(exc, TimeoutException):
        return "the element did not appear in time (check the selector or raise 'timeout')"
    text = (getattr(exc, "msg", None) or str(exc) or type(exc).__name__).strip().splitlines()[0]
    return f"{type(exc).__name__}: {text[:200]}"
