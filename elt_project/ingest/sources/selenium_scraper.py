"""``generic_selenium_scraper`` and ``download_file_with_selenium``: a real browser driven by config.

scraper_config::

    {"driver_options": {"headless": true}, "login_url": "...", "actions": [...],
     "data_extraction": [{"target_import_name": ..., "url": ..., "method": "html_table", "table_index": 0}]}

The scraper yields one table per ``data_extraction`` entry and one per
``extract_and_accumulate`` accumulator, each named by ``target_import_name``; the
engine loads the one named after the import. The downloader adds
``download_action`` ({selector, selector_value, target_directory, optional
file_pattern, timeout_seconds}): it clicks, waits until Chrome has finished
(no ``.crdownload`` left, size steady), and only then moves the file into the
target folder under its final name, where another import's sensor picks it up.

Every URL the config names (``login_url``, ``navigate`` steps, extraction and
download URLs) is checked before the browser starts, and again when it is opened
together with the page the browser lands on, by the same rules as the HTTP scraper
(:class:`~elt_project.ingest.sources.http.AddressGuard`: ``allowed_hosts``, no
loopback or private addresses by default). Links the site itself follows are the
browser's business.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from elt_project.errors import ConfigurationError, SourceFileError, TransientError
from elt_project.ingest.sources.base import FetchedFile, SourceContext, write_records
from elt_project.ingest.sources.http import AddressGuard
from elt_project.ingest.sources.selenium_driver import start_chrome
from elt_project.ingest.sources.selenium_dsl import check_actions, check_extraction, check_selector
from elt_project.ingest.sources.selenium_runner import ActionRunner

PARTIAL_SUFFIXES = (".crdownload", ".part", ".tmp")


class SeleniumScraper:
    """One configured browser scrape; the whole config is checked when built (before a browser starts)."""

    def __init__(self, config: dict[str, Any] | None) -> None:
        self.config = config or {}
        self.driver_options = self.config.get("driver_options") or {}
        if not isinstance(self.driver_options, dict):
            raise ConfigurationError("scraper_config 'driver_options' must be a JSON object.")
        self.actions = self.config.get("actions") or []
        check_actions(self.actions)
        self.extraction = check_extraction(self.config.get("data_extraction"))
        self.login_url = self.config.get("login_url")
        if self.login_url is not None and not isinstance(self.login_url, str):
            raise ConfigurationError("scraper_config 'login_url' must be a URL.")
        self._check_own_fields()
        self.guard = AddressGuard(self.config)

    def _configured_urls(self) -> list[str]:
        urls = [self.login_url, *(e.get("url") for e in self.extraction), *_navigate_urls(self.actions)]
        download = self.config.get("download_action")
        if isinstance(download, dict):
            urls.append(download.get("url"))
        return [u for u in urls if u]

    def _visit(self, driver, url: str) -> None:
        """Open ``url`` after checking it, and check where the browser landed (a redirect)."""
        self.guard.check(url)
        driver.get(url)
        landed = driver.current_url
        if landed.startswith(("http://", "https://")):  # not the browser's own error or blank pages
            self.guard.check(landed)

    def _check_own_fields(self) -> None:
        if not self.extraction and not _accumulates(self.actions):
            raise ConfigurationError(
                "scraper_config extracts nothing: add 'data_extraction' entries or extract_and_accumulate steps."
            )

    def _start(self, context: SourceContext, download_dir: Path | None = None):
        for url in self._configured_urls():
            self.guard.check(url)
        return start_chrome(self.driver_options, context.work_dir / "browser-profile", download_dir)

    def _open_and_act(self, driver, context: SourceContext) -> ActionRunner:
        runner = ActionRunner(driver, context, visit=lambda url: self._visit(driver, url))
        if self.login_url:
            try:
                self._visit(driver, self.login_url)
            except Exception as exc:  # WebDriver errors: name the page, keep the evidence
                raise runner.failure("0", {"type": "open login_url"}, exc) from exc
        runner.run(self.actions)
        return runner

    def fetch(self, context: SourceContext) -> list[FetchedFile]:
        driver = self._start(context)
        try:
            runner = self._open_and_act(driver, context)
            tables = dict(runner.accumulated)
            for number, entry in enumerate(self.extraction, start=1):
                step = f"data_extraction.{number}"
                action = {"type": "data_extraction", **entry}
                try:
                    if entry.get("url"):
                        self._visit(driver, entry["url"])
                    if entry.get("wait_for"):
                        runner.wait_for({"type": "wait_for", **entry["wait_for"]}, clickable=False)
                    rows = runner.table(entry.get("table_index", 0))
                except Exception as exc:
                    raise runner.failure(step, action, exc) from exc
                tables.setdefault(entry["target_import_name"], []).extend(rows)
        finally:
            driver.quit()
        fetched = []
        for name, rows in tables.items():
            if not rows:
                raise SourceFileError(
                    f"The browser scrape found no rows for '{name}'; a scrape with nothing in it is refused so the "
                    "destination is not emptied — check the selectors and table_index."
                )
            path = write_records(context.work_dir, name, rows)
            context.note(f"extracted {len(rows):,} rows for {name}")
            fetched.append(FetchedFile(path, "json", f"browser://{context.import_name}/{name}", None, name, False))
        return fetched

    def after_loaded(self, context: SourceContext, ledger_paths: Iterable[str]) -> None:
        """Nothing to clean up in a browser."""


class SeleniumDownloader(SeleniumScraper):
    """Logs in like the scraper, clicks a download, and drops the finished file into a monitored folder."""

    def _check_own_fields(self) -> None:
        action = self.config.get("download_action")
        if not isinstance(action, dict):
            raise ConfigurationError("download_file_with_selenium needs a 'download_action' object; add one.")
        if action.get("selector") or action.get("selector_value"):
            check_selector("download_action", {"type": "download_action", **action})
        elif not action.get("url"):
            raise ConfigurationError("download_action needs a selector and selector_value to click (or a url).")
        if not action.get("target_directory"):
            raise ConfigurationError("download_action needs 'target_directory' (the other import's folder).")
        self.download = action

    def fetch(self, context: SourceContext) -> list[FetchedFile]:
        downloads = context.work_dir / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        target_dir = Path(self.download["target_directory"]).expanduser()
        try:
            target_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"download_action.target_directory {target_dir} cannot be created ({exc.strerror}); fix the path."
            ) from exc
        driver = self._start(context, downloads)
        try:
            runner = self._open_and_act(driver, context)
            action = {"type": "download_action", **self.download}
            try:
                if self.download.get("url"):
                    self._visit(driver, self.download["url"])
                if self.download.get("selector"):
                    runner.wait_for(action, clickable=True).click()
                finished = wait_for_download(
                    downloads,
                    self.download.get("file_pattern") or "*",
                    float(self.download.get("timeout_seconds", 60)),
                )
            except Exception as exc:
                raise runner.failure("download_action", action, exc) from exc
        finally:
            driver.quit()
        final = place_in_folder(finished, target_dir)
        context.note(f"downloaded {final.name} into {target_dir}")
        return [FetchedFile(final, "file", str(final), None, final.name, True)]


def _navigate_urls(actions: list[dict[str, Any]]) -> list[str]:
    urls = []
    for action in actions:
        if action.get("type") == "navigate" and isinstance(action.get("url"), str):
            urls.append(action["url"])
        for key in ("then", "else", "loop_actions"):
            if isinstance(action.get(key), list):
                urls += _navigate_urls(action[key])
    return urls


def _accumulates(actions: list[dict[str, Any]]) -> bool:
    for action in actions:
        if action.get("type") == "extract_and_accumulate":
            return True
        for key in ("then", "else", "loop_actions"):
            if isinstance(action.get(key), list) and _accumulates(action[key]):
                return True
    return False


def wait_for_download(folder: Path, pattern: str, timeout: float, *, settle: float = 0.5) -> Path:
    """The finished download in ``folder``: no partial file left and its size steady for ``settle`` s."""
    deadline = time.monotonic() + timeout
    last: tuple[str, int] | None = None
    steady_since = 0.0
    while time.monotonic() < deadline:
        names = [p for p in folder.iterdir() if p.is_file()]
        partial = [p for p in names if p.name.lower().endswith(PARTIAL_SUFFIXES)]
        done = [p for p in names if p not in partial and fnmatch.fnmatch(p.name, pattern)]
        if done and not partial:
            newest = max(done, key=lambda p: p.stat().st_mtime)
            current = (newest.name, newest.stat().st_size)
            if current == last and time.monotonic() - steady_since >= settle:
                return newest
            if current != last:
                last, steady_since = current, time.monotonic()
        time.sleep(0.1)
    raise TransientError(
        f"No finished download matching {pattern} appeared within {timeout:.0f} s; check the download selector "
        "or raise download_action.timeout_seconds."
    )


def place_in_folder(finished: Path, target_dir: Path) -> Path:
    """Move the completed download into ``target_dir`` under a hidden name, then rename it into place.

    The hidden ``.name.part`` is ignored by file sensors, so the folder's import sees
    the file only once it is complete; a name already taken gets a time suffix.
    """
    target = target_dir / finished.name
    if target.exists():
        stamp = time.strftime("%Y%m%d%H%M%S")
        target = target_dir / f"{finished.stem}.{stamp}{finished.suffix}"
    hidden = target_dir / f".{target.name}.part"
    shutil.copy2(finished, hidden)
    os.replace(hidden, target)
    finished.unlink(missing_ok=True)
    return target
