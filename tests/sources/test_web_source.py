"""generic_web_scraper against the real test site: logins, extraction methods, paging, retries, guards."""

from __future__ import annotations

import pytest

from elt_project.errors import ConfigurationError, SourceFileError, TransientError
from elt_project.ingest.sources.web import WebScraper
from tests.sources import site
from tests.sources.conftest import read_records

TOTP_AUTH = {
    "method": "totp_form",
    "login_url": None,
    "payload": {
        "username_env_var": "SYSTEM_A_USERNAME",
        "password_env_var": "SYSTEM_A_PASSWORD",
        "totp_secret_env_var": "SYSTEM_A_TOTP_SECRET",
        "static_form_field": "some_static_value",
    },
    "success_condition": {"type": "text_in_response", "value": "Welcome, you are logged in"},
}


def totp_auth(base_url: str, **extra) -> dict:
    return {**TOTP_AUTH, "login_url": f"{base_url}/login", **extra}


def test_totp_form_login_then_json_path(base_url, source_context):
    scraper = WebScraper({
        "authentication": totp_auth(base_url),
        "data_extraction": {"url": f"{base_url}/api/data", "method": "json", "json_path": "data.results"},
    })
    [fetched] = scraper.fetch(source_context())
    assert fetched.file_type == "json"
    assert read_records(fetched.path) == site.ITEMS[:3]
    assert fetched.ledger_path == f"{base_url}/api/data#data"


def test_two_step_totp_login(base_url, source_context):
    scraper = WebScraper({
        "authentication": totp_auth(base_url, totp_url="/verify"),
        "data_extraction": {"url": f"{base_url}/api/data", "json_path": "data.results"},
    })
    [fetched] = scraper.fetch(source_context())
    assert len(read_records(fetched.path)) == 3


def test_wrong_totp_fails_clearly_without_showing_secrets(base_url, source_context, monkeypatch):
    monkeypatch.setenv("SYSTEM_A_TOTP_SECRET", "KRSXG5CTMVRXEZLU")  # a valid secret, but not the site's
    scraper = WebScraper({
        "authentication": totp_auth(base_url),
        "data_extraction": {"url": f"{base_url}/api/data", "json_path": "data.results"},
    })
    with pytest.raises(SourceFileError) as caught:
        scraper.fetch(source_context())
    message = str(caught.value)
    assert "Login at" in message and "SYSTEM_A_TOTP_SECRET" in message and "clock" in message
    assert site.PASSWORD not in message and "KRSXG5CTMVRXEZLU" not in message


def test_missing_env_var_is_named(base_url, source_context, monkeypatch):
    monkeypatch.delenv("SYSTEM_A_PASSWORD")
    scraper = WebScraper({"authentication": totp_auth(base_url), "data_extraction": {"url": f"{base_url}/api/data"}})
    with pytest.raises(ConfigurationError, match="Env var SYSTEM_A_PASSWORD"):
        scraper.fetch(source_context())


def test_bearer_token_and_next_link_pagination(base_url, source_context):
    scraper = WebScraper({
        "authentication": {"method": "bearer", "token_env_var": "SYSTEM_A_TOKEN"},
        "data_extraction": {
            "url": f"{base_url}/api/items", "method": "json", "json_path": "items",
            "pagination": {"type": "next_link", "next_path": "next", "max_pages": 5},
        },
    })
    [fetched] = scraper.fetch(source_context())
    assert read_records(fetched.path) == site.ITEMS


def test_page_parameter_pagination_and_its_cap(base_url, source_context):
    entry = {
        "url": f"{base_url}/api/items", "json_path": "items",
        "pagination": {"type": "page_param", "param": "page", "start": 1, "max_pages": 5},
    }
    auth = {"method": "bearer", "token_env_var": "SYSTEM_A_TOKEN"}
    [fetched] = WebScraper({"authentication": auth, "data_extraction": entry}).fetch(source_context())
    assert [r["id"] for r in read_records(fetched.path)] == [i["id"] for i in site.ITEMS]
    capped = {**entry, "pagination": {**entry["pagination"], "max_pages": 2}}
    with pytest.raises(SourceFileError, match="more than pagination.max_pages=2"):
        WebScraper({"authentication": auth, "data_extraction": capped}).fetch(source_context())


def test_html_table_by_index_keeps_text(base_url, source_context):
    scraper = WebScraper({
        "authentication": {"method": "none"},
        "data_extraction": {"url": f"{base_url}/table", "method": "html_table", "table_index": 1},
    })
    [fetched] = scraper.fetch(source_context())
    assert read_records(fetched.path) == [
        {"country": "Aland", "population": "30,000", "note": None},
        {"country": "Bhutan", "population": "780,000", "note": "landlocked"},
    ]
    with pytest.raises(SourceFileError, match="has 2 table"):
        WebScraper({"data_extraction": {"url": f"{base_url}/table", "method": "html_table", "table_index": 5}}).fetch(
            source_context()
        )


def test_csv_download(base_url, source_context):
    scraper = WebScraper({"data_extraction": {"url": f"{base_url}/report.csv", "method": "csv"}})
    [fetched] = scraper.fetch(source_context())
    assert fetched.file_type == "csv"
    assert fetched.path.read_text() == site.REPORT_CSV
    assert not list(fetched.path.parent.glob("*.part"))


def test_429_is_retried_then_succeeds(base_url, source_context, web_site):
    scraper = WebScraper({
        "data_extraction": {"url": f"{base_url}/flaky?key=retry-test", "method": "json"},
        "retries": {"max_attempts": 3, "backoff_seconds": 0.01},
    })
    [fetched] = scraper.fetch(source_context())
    assert read_records(fetched.path) == [{"id": 1, "status": "ok"}]
    assert web_site[1].config["hits"]["retry-test"] == 2


def test_5xx_gives_up_as_transient(base_url, source_context):
    scraper = WebScraper({
        "data_extraction": {"url": f"{base_url}/always-busy"},
        "retries": {"max_attempts": 2, "backoff_seconds": 0.01},
    })
    with pytest.raises(TransientError, match="kept answering HTTP 503 after 2 attempts"):
        scraper.fetch(source_context())


def test_only_http_and_allowed_hosts_also_after_redirects(base_url, source_context):
    with pytest.raises(ConfigurationError, match="not an http or https URL"):
        WebScraper({"data_extraction": {"url": "file:///etc/passwd"}}).fetch(source_context())
    other = base_url.replace("127.0.0.1", "localhost")
    redirecting = f"{base_url}/redirect-out?to={other}/api/data"
    config = {"allowed_hosts": ["127.0.0.1"], "data_extraction": {"url": redirecting, "json_path": "data.results"}}
    with pytest.raises(ConfigurationError, match="Host localhost is not in scraper_config 'allowed_hosts'"):
        WebScraper(config).fetch(source_context())
    followed = {"allowed_hosts": ["127.0.0.1"], "data_extraction": {"url": f"{base_url}/redirect-out?to=/table",
                                                                     "method": "html_table", "table_index": 1}}
    assert len(read_records(WebScraper(followed).fetch(source_context())[0].path)) == 2


def test_bad_configs_are_refused_before_any_request():
    with pytest.raises(ConfigurationError, match="authentication.method 'magic'"):
        WebScraper({"authentication": {"method": "magic"}, "data_extraction": {"url": "http://x"}})
    with pytest.raises(ConfigurationError, match="data_extraction"):
        WebScraper({"authentication": {"method": "none"}})
    with pytest.raises(ConfigurationError, match="'login_url'"):
        WebScraper({"authentication": {"method": "form"}, "data_extraction": {"url": "http://x"}})


def test_plain_form_login_with_session_cookie(base_url, source_context, monkeypatch):
    monkeypatch.setenv("PLAIN_USER", site.PLAIN_USER)
    monkeypatch.setenv("PLAIN_PASSWORD", site.PLAIN_PASSWORD)
    auth = {
        "method": "form", "login_url": f"{base_url}/login",
        "payload": {"username_env_var": "PLAIN_USER", "password_env_var": "PLAIN_PASSWORD"},
        "success_condition": {"type": "text_in_response", "value": "Welcome, you are logged in"},
    }
    config = {"authentication": auth, "data_extraction": {"url": f"{base_url}/api/data", "json_path": "data.results"}}
    [fetched] = WebScraper(config).fetch(source_context())
    assert len(read_records(fetched.path)) == 3
    monkeypatch.setenv("PLAIN_PASSWORD", "nope")
    with pytest.raises(SourceFileError, match="check the credentials in env vars PLAIN_USER, PLAIN_PASSWORD"):
        WebScraper(config).fetch(source_context())
