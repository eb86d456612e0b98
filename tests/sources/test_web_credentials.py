"""The scraper's login stays with its own origin: two real servers on different ports, the second counts credentials.

Cookies on 127.0.0.1 are sent to every port of it by a cookie jar, so the second
server would see the first one's session cookie unless the hop drops the login.
"""

from __future__ import annotations

import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest.sources.web import WebScraper
from tests.sources.conftest import LOCAL, read_records
from tests.sources.servers import answer, answer_json, serve

TOKEN, PASSWORD = "tok-origin-only", "pw-origin-only"


@pytest.fixture
def secrets_env(monkeypatch):
    monkeypatch.setenv("ORIGIN_TOKEN", TOKEN)
    monkeypatch.setenv("ORIGIN_USER", "alice")
    monkeypatch.setenv("ORIGIN_PASSWORD", PASSWORD)


@pytest.fixture
def other():
    """The other origin: answers a JSON page (no next link) to everything and counts what it receives."""
    with serve({"/items": lambda h, hit: answer_json(h, {"items": [{"id": 9}], "next": None})}) as served:
        yield served


def redirect_to(location: str, status: int = 302):
    return lambda handler, hit: answer(handler, status, headers={"Location": location})


def form_login(redirect: str | None = None):
    """POST /login: sets a session cookie and welcomes (or redirects the form elsewhere)."""

    def route(handler, hit):
        if redirect:
            answer(handler, 307, headers={"Location": redirect})
        else:
            answer(handler, 200, b"Welcome", {"Set-Cookie": "sid=origin-session; Path=/"})

    return route


def bearer(url: str) -> dict:
    return {
        "allowed_hosts": LOCAL,
        "authentication": {"method": "bearer", "token_env_var": "ORIGIN_TOKEN"},
        "data_extraction": {"url": url, "json_path": "items"},
    }


def form(login_url: str, data_url: str) -> dict:
    auth = {
        "method": "form",
        "login_url": login_url,
        "fetch_login_page": False,
        "payload": {"username_env_var": "ORIGIN_USER", "password_env_var": "ORIGIN_PASSWORD"},
        "success_condition": {"type": "text_in_response", "value": "Welcome"},
    }
    return {"allowed_hosts": LOCAL, "authentication": auth, "data_extraction": {"url": data_url, "json_path": "items"}}


def test_bearer_token_is_not_sent_to_another_origin_after_a_302(secrets_env, source_context, other):
    with serve({"/data": redirect_to(f"{other.url}/items")}) as origin:
        [fetched] = WebScraper(bearer(f"{origin.url}/data")).fetch(source_context())
    assert read_records(fetched.path) == [{"id": 9}]
    assert origin.hits[0].headers["Authorization"] == f"Bearer {TOKEN}"  # the configured site gets it
    assert len(other.hits) == 1 and other.credentials_seen(TOKEN) == 0


def test_bearer_token_is_not_sent_through_a_next_link_to_another_origin(secrets_env, source_context, other):
    first_page = {"items": [{"id": 1}], "next": f"{other.url}/items"}
    with serve({"/items": lambda h, hit: answer_json(h, first_page)}) as origin:
        config = bearer(f"{origin.url}/items")
        config["data_extraction"]["pagination"] = {"type": "next_link", "next_path": "next", "max_pages": 3}
        [fetched] = WebScraper(config).fetch(source_context())
    assert read_records(fetched.path) == [{"id": 1}, {"id": 9}]
    assert len(other.hits) == 1 and other.credentials_seen(TOKEN) == 0


def test_session_cookie_is_not_sent_to_another_origin_after_a_redirect(secrets_env, source_context, other):
    routes = {"/login": form_login(), "/data": redirect_to(f"{other.url}/items")}
    with serve(routes) as origin:
        [fetched] = WebScraper(form(f"{origin.url}/login", f"{origin.url}/data")).fetch(source_context())
    assert read_records(fetched.path) == [{"id": 9}]
    assert "sid=origin-session" in origin.hits[-1].headers.get("Cookie", "")  # the login works at home
    assert len(other.hits) == 1 and other.credentials_seen(PASSWORD) == 0


def test_a_307_that_would_repost_the_password_to_another_origin_is_refused(secrets_env, source_context, other):
    with serve({"/login": form_login(redirect=f"{other.url}/login")}) as origin:
        with pytest.raises(SourceFileError, match="redirected a form to another site"):
            WebScraper(form(f"{origin.url}/login", f"{origin.url}/data")).fetch(source_context())
    assert other.hits == [] and other.credentials_seen(PASSWORD) == 0


def test_a_307_within_the_origin_still_reposts_the_form(secrets_env, source_context):
    items = lambda h, hit: answer_json(h, {"items": [{"id": 1}]})  # noqa: E731
    routes = {"/login": form_login(redirect="/login2"), "/login2": form_login(), "/items": items}
    with serve(routes) as origin:
        WebScraper(form(f"{origin.url}/login", f"{origin.url}/items")).fetch(source_context())
    [reposted] = [h for h in origin.hits if h.path == "/login2"]
    assert reposted.method == "POST" and PASSWORD.encode() in reposted.body
