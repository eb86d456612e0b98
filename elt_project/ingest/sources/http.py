"""HTTP for scrapers: timeouts, retries with backoff on 429/5xx, and a guard on where requests go.

Only ``http``/``https`` addresses are fetched. Redirects are followed by hand, so
each new address is checked again: against ``allowed_hosts`` when the config gives
one (the way to stop a config from reaching internal addresses), and for its
scheme always. A 429 or 5xx answer, a timeout or a dropped connection is retried
with exponential backoff (``Retry-After`` honoured, capped); when retries run out
the failure is a :class:`TransientError`, other 4xx answers are terminal.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from elt_project.errors import ConfigurationError, SourceFileError, TransientError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 10
MAX_RETRY_AFTER_SECONDS = 60.0


def safe_address(url: str) -> str:
    """``url`` without user info or query (for messages and the ledger)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class GuardedSession:
    """A requests session that checks every address and retries what is worth retrying."""

    def __init__(self, options: dict[str, Any] | None = None, *, sleep=time.sleep) -> None:
        options = options or {}
        self.timeout = float(options.get("timeout_seconds", 30))
        retries = options.get("retries") or {}
        self.max_attempts = max(1, int(retries.get("max_attempts", 4)))
        self.backoff = float(retries.get("backoff_seconds", 1.0))
        hosts = options.get("allowed_hosts")
        if hosts is not None and not (isinstance(hosts, list) and all(isinstance(h, str) for h in hosts)):
            raise ConfigurationError("scraper_config 'allowed_hosts' must be a list of host names.")
        self.allowed_hosts = {h.lower() for h in hosts} if hosts else None
        self.session = requests.Session()
        self.session.headers["User-Agent"] = options.get("user_agent", "elt-project-scraper/1.0")
        self._sleep = sleep

    def check(self, url: str) -> None:
        """Refuse a non-http(s) address, or a host outside ``allowed_hosts``."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"Address '{safe_address(url)}' is not an http or https URL; scrapers fetch only http(s)."
            )
        if self.allowed_hosts is not None and parts.hostname.lower() not in self.allowed_hosts:
            raise ConfigurationError(
                f"Host {parts.hostname} is not in scraper_config 'allowed_hosts'; add it there if it is meant "
                "to be reached."
            )

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send, following redirects one by one (each checked) and retrying 429/5xx."""
        for _ in range(MAX_REDIRECTS + 1):
            self.check(url)
            response = self._with_retries(method, url, **kwargs)
            if response.is_redirect or response.is_permanent_redirect:
                location = response.headers.get("Location", "")
                url = urljoin(response.url, location)
                if response.status_code in (301, 302, 303) and method.upper() == "POST":
                    method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in ("data", "json")}
                continue
            return response
        raise SourceFileError(f"{safe_address(url)} redirected more than {MAX_REDIRECTS} times; check the URL.")

    def _with_retries(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.session.request(
                    method, url, timeout=self.timeout, allow_redirects=False, **kwargs
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                last_problem = "timed out" if isinstance(exc, requests.Timeout) else "could not be reached"
                if attempt == self.max_attempts:
                    raise TransientError(
                        f"{safe_address(url)} {last_problem} after {attempt} attempts; "
                        "check the site is up and run the import again."
                    ) from exc
                self._sleep(self.backoff * 2 ** (attempt - 1))
                continue
            if response.status_code not in RETRY_STATUSES:
                if response.status_code >= 400:
                    raise SourceFileError(
                        f"{safe_address(url)} answered HTTP {response.status_code}; check the URL and the login "
                        "settings in scraper_config."
                    )
                return response
            last_problem = f"HTTP {response.status_code}"
            if attempt == self.max_attempts:
                break
            self._sleep(self._delay(response, attempt))
        raise TransientError(
            f"{safe_address(url)} kept answering {last_problem} after {self.max_attempts} attempts; "
            "the site is busy or down, run the import again later."
        )

    def _delay(self, response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After", "")
        if header.strip().isdigit():
            return min(float(header), MAX_RETRY_AFTER_SECONDS)
        return self.backoff * 2 ** (attempt - 1)

    def close(self) -> None:
        self.session.close()
