"""HTTP for scrapers: where a request may go, what travels with it, and how long and how much it may take.

Each guard is applied on every hop, because redirects are followed by hand:

- Address. Only ``http``/``https``. With ``allowed_hosts`` the host must be listed.
  Whatever the spelling (``2130706433``, ``0x7f000001``, ``127.1``, ``[::ffff:127.0.0.1]``)
  the host is resolved and every address it resolves to must be public: loopback,
  private, link-local and reserved ranges are refused (and logged) unless the host is
  listed in ``allowed_hosts`` or ``allow_private_networks`` is true. This keeps an
  import's config from reaching the machine's own services or the internal network.
- Credentials. The login's cookies, the bearer or header token and a form body belong
  to the origin (scheme, host, port) the request was made for. A redirect to another
  origin is followed without them (as requests does for ``Authorization``); a
  307/308 that would re-post a body to another origin is refused.
- Size and time. Bodies are streamed and refused past ``max_response_bytes``; a
  request, its retries and redirects included, is abandoned after
  ``max_request_seconds`` (a server that drips a byte at a time never times out on a
  single read).
- Retries: see :mod:`elt_project.http_retry`. Only idempotent requests are repeated
  (POST too when ``retries.retry_post`` is true); ``Retry-After`` is honoured.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from elt_project.errors import ConfigurationError, SourceFileError, TransientError
from elt_project.http_retry import (
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
    attempts_made,
    retry_policy,
    retrying_session,
)

log = logging.getLogger(__name__)

MAX_REDIRECTS = 10
DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_REQUEST_SECONDS = 300.0
CHUNK_BYTES = 64 * 1024


def safe_address(url: str) -> str:
    """``url`` without user info or query (for messages and the ledger)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: what credentials are scoped to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def is_public(address: str) -> bool:
    """True when ``address`` is a global unicast address (IPv4 inside IPv6 forms unwrapped first)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int | None) -> list[str]:
    """Every address ``host`` resolves to (numeric spellings included, as the connection would read them)."""
    try:
        infos = socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise TransientError(
            f"Host {host} could not be resolved; check the URL in scraper_config and the network, then run again."
        ) from exc
    return sorted({info[4][0] for info in infos})


def _timed_out(exc: requests.RequestException) -> bool:
    """True for a timeout, also one that used up urllib3's retries (requests reports those as ConnectionError)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.Timeout) or isinstance(reason, urllib3.exceptions.TimeoutError)


class AddressGuard:
    """Which addresses a scraper config may reach: ``allowed_hosts``, ``allow_private_networks``, http(s) only."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        options = options or {}
        hosts = options.get("allowed_hosts")
        if hosts is not None and not (isinstance(hosts, list) and all(isinstance(h, str) for h in hosts)):
            raise ConfigurationError("scraper_config 'allowed_hosts' must be a list of host names.")
        self.allowed_hosts = {h.lower().strip("[]") for h in hosts} if hosts else None
        self.allow_private = options.get("allow_private_networks") is True

    def check(self, url: str) -> None:
        """Refuse a non-http(s) address, a host outside ``allowed_hosts``, or one that resolves inward."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"Address '{safe_address(url)}' is not an http or https URL; scrapers fetch only http(s)."
            )
        host = parts.hostname.lower()
        listed = self.allowed_hosts is not None and host in self.allowed_hosts
        if self.allowed_hosts is not None and not listed:
            raise ConfigurationError(
                f"Host {host} is not in scraper_config 'allowed_hosts'; add it there if it is meant to be reached."
            )
        if listed or self.allow_private:
            return
        _, _, port = origin(url)
        for address in resolve(host, port):
            if not is_public(address):
                log.warning("Refused scraper request to %s: %s is not a public address", safe_address(url), address)
                raise ConfigurationError(
                    f"Host {host} resolves to {address}, a loopback, private or link-local address, which scrapers "
                    "do not reach by default; list the host in scraper_config 'allowed_hosts' if it is meant to be "
                    "reached."
                )


class GuardedSession:
    """A requests session that checks every hop's address, scopes credentials, bounds answers and retries."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        options = options or {}
        self.guard = AddressGuard(options)
        retries = options.get("retries") or {}
        try:
            self.timeout = float(options.get("timeout_seconds", 30))
            self.max_bytes = int(options.get("max_response_bytes", DEFAULT_MAX_RESPONSE_BYTES))
            self.max_seconds = float(options.get("max_request_seconds", DEFAULT_MAX_REQUEST_SECONDS))
            self.max_attempts = max(1, int(retries.get("max_attempts", 4)))
            backoff = float(retries.get("backoff_seconds", 1.0))
        except (TypeError, ValueError, AttributeError):
            raise ConfigurationError(
                "scraper_config timeout_seconds, max_response_bytes, max_request_seconds and retries.max_attempts / "
                "backoff_seconds must be numbers."
            ) from None
        methods = set(IDEMPOTENT_METHODS) | ({"POST"} if retries.get("retry_post") is True else set())
        policy = retry_policy(self.max_attempts, backoff, methods)
        user_agent = options.get("user_agent", "elt-project-scraper/1.0")
        #: Carries the login (cookies, token headers); used only for the origin a request was made for.
        self.session = retrying_session(policy)
        self.session.headers["User-Agent"] = user_agent
        #: Carries nothing of the login: used for hops to another origin.
        self._anonymous = retrying_session(policy)
        self._anonymous.headers["User-Agent"] = user_agent

    def check(self, url: str) -> None:
        self.guard.check(url)

    def request(self, method: str, url: str, *, credentials: bool = True, **kwargs: Any) -> requests.Response:
        """Send, following redirects one by one (each checked); the body is read, bounded, before returning.

        ``credentials=False`` sends the request without the login (for links that lead to another origin).
        """
        start = origin(url)
        deadline = time.monotonic() + self.max_seconds
        for _ in range(MAX_REDIRECTS + 1):
            self.check(url)
            credentials = credentials and origin(url) == start  # once dropped, they stay dropped
            response = self._send(method, url, credentials, deadline, **kwargs)
            if not response.is_redirect:
                return response
            target = urljoin(response.url, response.headers["Location"])
            response.close()
            has_body = any(kwargs.get(k) is not None for k in ("data", "json", "files"))
            if response.status_code in (301, 302, 303) and method.upper() not in ("GET", "HEAD"):
                method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in ("data", "json", "files")}
            elif has_body and origin(target) != start:
                raise SourceFileError(
                    f"{safe_address(url)} redirected a form to another site ({safe_address(target)}); the form is "
                    "not sent there — check the login URL in scraper_config."
                )
            url = target
        raise SourceFileError(f"{safe_address(url)} redirected more than {MAX_REDIRECTS} times; check the URL.")

    def _send(self, method: str, url: str, credentials: bool, deadline: float, **kwargs: Any) -> requests.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._too_slow(url)
        session = self.session if credentials else self._anonymous
        try:
            response = session.request(
                method, url, timeout=min(self.timeout, remaining), allow_redirects=False, stream=True, **kwargs
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            problem = "timed out" if _timed_out(exc) else "could not be reached"
            raise TransientError(
                f"{safe_address(url)} {problem}; check the site is up and run the import again."
            ) from exc
        try:
            if response.is_redirect:
                return response
            self._check_status(response, url)
            response._content = self._read_body(response, url, deadline)
        finally:
            if not response.is_redirect:
                response.close()
        return response

    def _check_status(self, response: requests.Response, url: str) -> None:
        code = response.status_code
        if code in RETRY_STATUSES:
            raise TransientError(
                f"{safe_address(url)} kept answering HTTP {code} after {attempts_made(response)} attempts; "
                "the site is busy or down, run the import again later."
            )
        if code >= 400:
            raise SourceFileError(
                f"{safe_address(url)} answered HTTP {code}; check the URL and the login settings in scraper_config."
            )

    def _read_body(self, response: requests.Response, url: str, deadline: float) -> bytes:
        """The decoded body, refused past ``max_response_bytes`` or ``max_request_seconds``.

        ``read1`` returns whatever has arrived, so the clock is checked even when a
        server sends one byte at a time.
        """
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_big(url)
        chunks, size = [], 0
        try:
            while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_big(url)
                if time.monotonic() > deadline:
                    raise self._too_slow(url)
                chunks.append(chunk)
        except urllib3.exceptions.HTTPError as exc:
            raise TransientError(
                f"{safe_address(url)} stopped answering mid-way; check the site is up and run the import again."
            ) from exc
        return b"".join(chunks)

    def _too_big(self, url: str) -> SourceFileError:
        return SourceFileError(
            f"{safe_address(url)} sent more than max_response_bytes={self.max_bytes:,} bytes; raise it in "
            "scraper_config if such an answer is expected."
        )

    def _too_slow(self, url: str) -> TransientError:
        return TransientError(
            f"{safe_address(url)} took longer than max_request_seconds={self.max_seconds:g}; the site is too slow, "
            "run the import again later or raise the limit in scraper_config."
        )

    def close(self) -> None:
        self.session.close()
        self._anonymous.close()
