"""``generic_web_scraper``: log in over HTTP (none, form, TOTP form, bearer/header token), then extract.

scraper_config::

    {"authentication": {"method": "none" | "form" | "totp_form" | "bearer" | "header", ...},
     "data_extraction": {"url": ..., "method": "json" | "html_table" | "csv", ...} or a list of them,
     "allowed_hosts": [...], "allow_private_networks": false, "timeout_seconds": 30,
     "max_response_bytes": 104857600, "max_request_seconds": 300,
     "retries": {"max_attempts": 4, "backoff_seconds": 1, "retry_post": false}}

Hosts on loopback or a private network are reached only when listed in
``allowed_hosts`` (or with ``allow_private_networks``); see :mod:`.http`.

Form logins post ``payload``: a key ``<field>_env_var`` sends the value of that env
var as ``<field>`` (``totp_secret_env_var`` sends the current TOTP code as ``totp``),
other keys are sent as they are; ``field_names`` renames fields. With ``totp_url``
the code is posted there as a second step. ``success_condition`` (``text_in_response``)
is checked on the last answer. JSON extraction follows ``json_path`` and optional
``pagination`` (``next_link`` or ``page_param``, capped by ``max_pages``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from bs4 import BeautifulSoup

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest.sources.base import FetchedFile, SourceContext, require, section, write_bytes, write_records
from elt_project.ingest.sources.http import GuardedSession, origin, safe_address
from elt_project.ingest.sources.secrets import SecretBook
from elt_project.ingest.sources.tables import dig, html_table_records, json_path_records
from elt_project.ingest.sources.totp import totp_code

AUTH_METHODS = ("none", "form", "totp_form", "bearer", "header")
EXTRACTION_METHODS = ("json", "html_table", "csv")
DEFAULT_MAX_PAGES = 100


class WebScraper:
    """One configured HTTP scrape; validated when built, run by :meth:`fetch`."""

    def __init__(self, config: dict[str, Any] | None) -> None:
        self.config = config or {}
        self.auth = section(self.config, "authentication", required=False) or {"method": "none"}
        method = self.auth.get("method", "none")
        if method not in AUTH_METHODS:
            raise ConfigurationError(
                f"authentication.method '{method}' is unknown; use one of {', '.join(AUTH_METHODS)}."
            )
        if method in ("form", "totp_form"):
            require(self.auth, "login_url", "authentication")
        extraction = self.config.get("data_extraction")
        entries = extraction if isinstance(extraction, list) else [extraction] if extraction else []
        if not entries or not all(isinstance(e, dict) for e in entries):
            raise ConfigurationError("scraper_config needs a 'data_extraction' object with a url and a method.")
        for entry in entries:
            require(entry, "url", "data_extraction")
            if entry.get("method", "json") not in EXTRACTION_METHODS:
                raise ConfigurationError(
                    f"data_extraction.method '{entry.get('method')}' is unknown; use one of "
                    f"{', '.join(EXTRACTION_METHODS)}."
                )
        self.entries = entries
        GuardedSession(self.config).close()  # the address and limit settings are checked now, not at the run

    def fetch(self, context: SourceContext) -> list[FetchedFile]:
        session = GuardedSession(self.config)
        try:
            login(session, self.auth, context.secrets, context)
            return [self._extract(session, entry, context) for entry in self.entries]
        except requests.RequestException as exc:
            raise SourceFileError(
                f"The web scrape failed ({type(exc).__name__}); check the URLs in scraper_config."
            ) from exc
        finally:
            session.close()

    def after_loaded(self, context: SourceContext, ledger_paths: Iterable[str]) -> None:
        """Nothing to clean up on a web site."""

    def _extract(self, session: GuardedSession, entry: dict[str, Any], context: SourceContext) -> FetchedFile:
        url = entry["url"]
        method = entry.get("method", "json")
        name = entry.get("target_import_name") or entry.get("name") or "data"
        ledger_path = f"{safe_address(url)}#{name}"
        if method == "csv":
            response = session.request(entry.get("http_method", "GET"), url, params=entry.get("params"))
            file_name = urlsplit(response.url).path.rsplit("/", 1)[-1] or f"{name}.csv"
            path = write_bytes(context.work_dir, f"{name}_{file_name}", response.content)
            context.note(f"downloaded {safe_address(url)} ({len(response.content):,} bytes)")
            options = {k: entry[k] for k in ("read_options",) if k in entry}
            return FetchedFile(path, entry.get("file_type", "csv"), ledger_path, options or None, name, False)
        if method == "html_table":
            response = session.request("GET", url, params=entry.get("params"))
            records = html_table_records(response.text, entry.get("table_index", 0), source=safe_address(url))
        else:
            records = list(json_pages(session, entry, context))
        if not records:
            raise SourceFileError(
                f"{safe_address(url)} returned no records; a scrape with nothing in it is refused so the "
                "destination is not emptied — check the URL, json_path or table_index."
            )
        path = write_records(context.work_dir, name, records)
        context.note(f"extracted {len(records):,} records from {safe_address(url)}")
        return FetchedFile(path, "json", ledger_path, None, name, False)


def login(session: GuardedSession, auth: dict[str, Any], secrets: SecretBook, context: SourceContext) -> None:
    """Authenticate ``session`` as ``auth`` says; a failed login is one clear sentence, no secrets."""
    method = auth.get("method", "none")
    if method == "none":
        return
    if method in ("bearer", "header"):
        token = secrets.get(require(auth, "token_env_var", "authentication"), purpose="API token")
        if method == "bearer":
            session.session.headers["Authorization"] = f"Bearer {token}"
        else:
            session.session.headers[require(auth, "header_name", "authentication")] = token
        return
    login_url = auth["login_url"]
    payload, totp_secret = form_payload(auth, secrets)
    field_names = auth.get("field_names") or {}
    totp_field = field_names.get("totp", auth.get("totp_field", "totp"))
    if method == "totp_form" and totp_secret is None:
        raise ConfigurationError("authentication.method totp_form needs payload.totp_secret_env_var; add it.")
    fields = hidden_fields(session, login_url) if auth.get("fetch_login_page", True) else {}
    fields.update(payload)
    totp_url = auth.get("totp_url")
    if totp_secret is not None and not totp_url:
        fields[totp_field] = totp_code(totp_secret, secrets)
    response = session.request("POST", auth.get("submit_url") or login_url, data=fields)
    if totp_secret is not None and totp_url:
        code = totp_code(totp_secret, secrets)
        response = session.request("POST", urljoin(login_url, totp_url), data={totp_field: code})
    check_success(response, auth, login_url)
    context.note(f"logged in at {safe_address(login_url)}")


def form_payload(auth: dict[str, Any], secrets: SecretBook) -> tuple[dict[str, str], str | None]:
    """The form fields to post, and the TOTP secret (the code is made at the last moment)."""
    raw = auth.get("payload") or {}
    if not isinstance(raw, dict):
        raise ConfigurationError("authentication.payload must be a JSON object of form fields.")
    names = auth.get("field_names") or {}
    fields: dict[str, str] = {}
    totp_secret = None
    for key, value in raw.items():
        if key == "totp_secret_env_var":
            totp_secret = secrets.get(value, purpose="TOTP secret")
        elif key.endswith("_env_var"):
            field = key[: -len("_env_var")]
            fields[names.get(field, field)] = secrets.get(value, purpose=f"{field} of the login form")
        else:
            fields[names.get(key, key)] = "" if value is None else str(value)
    return fields, totp_secret


def hidden_fields(session: GuardedSession, login_url: str) -> dict[str, str]:
    """Hidden inputs of the login page (CSRF tokens); the GET also collects its cookies."""
    page = session.request("GET", login_url)
    soup = BeautifulSoup(page.text, "lxml")
    return {
        tag["name"]: tag.get("value", "") for tag in soup.find_all("input", attrs={"type": "hidden"}) if tag.get("name")
    }


def check_success(response: requests.Response, auth: dict[str, Any], login_url: str) -> None:
    condition = auth.get("success_condition")
    if not condition:
        return
    kind = condition.get("type", "text_in_response")
    expected = str(condition.get("value", ""))
    if kind == "text_in_response":
        ok = expected in response.text
    elif kind == "url_contains":
        ok = expected in response.url
    else:
        raise ConfigurationError(f"success_condition.type '{kind}' is unknown; use text_in_response or url_contains.")
    if not ok:
        names = [v for k, v in (auth.get("payload") or {}).items() if k.endswith("_env_var")]
        raise SourceFileError(
            f"Login at {safe_address(login_url)} failed: the answer does not show the success condition; check "
            f"the credentials in env vars {', '.join(names) or '(none)'} and, for TOTP, the secret and this "
            "machine's clock."
        )


def json_pages(session: GuardedSession, entry: dict[str, Any], context: SourceContext):
    """Records of every page of a JSON API (one page without ``pagination``)."""
    url = entry["url"]
    paging = entry.get("pagination") or {}
    kind = paging.get("type")
    if kind not in (None, "next_link", "page_param"):
        raise ConfigurationError(f"pagination.type '{kind}' is unknown; use next_link or page_param.")
    max_pages = int(paging.get("max_pages", DEFAULT_MAX_PAGES))
    params = dict(entry.get("params") or {})
    page_param = paging.get("param", "page")
    page_number = int(paging.get("start", 1))
    for fetched in range(1, max_pages + 2):
        if kind == "page_param":
            params[page_param] = page_number
        # A next link to another origin is followed without the login: the token is for the configured site.
        same_site = origin(url) == origin(entry["url"])
        response = session.request(entry.get("http_method", "GET"), url, params=params or None, credentials=same_site)
        document = _json(response, url)
        records = json_path_records(document, entry.get("json_path"), source=safe_address(url))
        if fetched > max_pages:
            if records:
                raise SourceFileError(
                    f"{safe_address(url)} has more than pagination.max_pages={max_pages} pages; raise max_pages "
                    "so no rows are left behind."
                )
            return
        yield from records
        if kind is None:
            return
        if kind == "page_param":
            if not records:
                return
            page_number += 1
            continue
        next_url = (
            dig(document, paging["next_path"]) if paging.get("next_path") else response.links.get("next", {}).get("url")
        )
        if not next_url:
            return
        url, params = urljoin(response.url, str(next_url)), {}
    context.note(f"read {max_pages} pages of {safe_address(entry['url'])}")


def _json(response: requests.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise SourceFileError(
            f"{safe_address(url)} did not answer JSON (content type {response.headers.get('Content-Type')}); "
            "check the URL or use method html_table or csv."
        ) from exc
