"""The login's edges, on SQLite and PostgreSQL: where it sends you, who counts as which address,
and what a password change does to the other sessions of that person."""

from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import pytest

from elt_project.auth.accounts import create_user, set_password
from tests.runner.conftest import csrf_from, login, page_token

PASSWORD = "a-good-password"

HOSTILE_NEXT = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "%2f%2fevil.example",  # decoded once by the query string: //evil.example
    "/%09/evil.example",  # a tab between the slashes: browsers drop it
    "/\t/evil.example",
    "/\n/evil.example",
    "/%0d%0a/evil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "%0d%0a//evil.example",
    " //evil.example",
    "/%E3%80%80/evil.example",  # an ideographic space
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "",
]


@pytest.fixture
def clerk(engine):
    create_user(engine, "clerk", PASSWORD, "user")
    return "clerk"


def _login_with_next(client, raw_next: str, password: str = PASSWORD):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(f"/login?next={raw_next}", data={"username": "clerk", "password": password, "csrf_token": token})


def _stays_on_this_site(location: str) -> bool:
    """What a browser could not read as another host: no scheme, no host, no ``//``, ``\\`` or blanks."""
    parts = urlsplit(location)
    return (
        location.startswith("/")
        and not location.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and not any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in location)
    )


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_a_hostile_next_never_leaves_the_site(app, clerk, raw_next):
    response = _login_with_next(app.test_client(), raw_next)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert _stays_on_this_site(location), location
    if "evil.example" in raw_next or ":" in raw_next.split("/")[0]:
        assert location == "/"


@pytest.mark.parametrize("raw_next", ["/", "/runs/abc123ef/details", "/?tab=2", "/api/imports"])
def test_a_path_on_this_site_is_kept(app, clerk, raw_next):
    response = _login_with_next(app.test_client(), raw_next)
    assert response.status_code == 302 and response.headers["Location"] == raw_next


class _Recording(io.BytesIO):
    """A request body that counts what the app read of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, *args):
        data = super().read(*args)
        self.consumed += len(data)
        return data

    def readline(self, *args):
        data = super().readline(*args)
        self.consumed += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.consumed += count or 0
        return count


@pytest.mark.parametrize("visited_login_first", [True, False])
def test_an_anonymous_upload_is_refused_before_its_body_is_read(app, clerk, visited_login_first):
    client = app.test_client()
    token = "none"
    if visited_login_first:  # a visitor's session has a CSRF token, sent in the form as the page does
        token = csrf_from(client.get("/login").get_data(as_text=True))
    body = (
        b'--xx\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode() + b"\r\n"
        b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        + b"x" * 200_000
        + b"\r\n--xx--\r\n"
    )
    stream = _Recording(body)
    response = client.post(
        "/upload",
        input_stream=stream,
        content_length=len(body),
        content_type="multipart/form-data; boundary=xx",
        headers={"Accept": "application/json"},
    )
    assert response.status_code in (400, 401)
    assert stream.consumed == 0


def test_a_password_changed_elsewhere_ends_every_session(app, engine, clerk):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert login(client, clerk, PASSWORD).status_code == 302
        assert client.get("/api/imports").status_code == 200
    set_password(engine, clerk, "changed-by-an-admin")  # what `elt user passwd` does
    assert first.get("/api/imports").status_code == 401
    assert second.get("/api/imports").status_code == 401
    assert login(first, clerk, "changed-by-an-admin").status_code == 302


def test_changing_your_password_on_the_page_ends_your_other_sessions(app, clerk):
    here, there = app.test_client(), app.test_client()
    for client in (here, there):
        login(client, clerk, PASSWORD)
    token = page_token(here)
    form = {
        "csrf_token": token,
        "current_password": "wrong-one",
        "new_password": "n" * 10,
        "new_password_again": "n" * 10,
    }
    refused = here.post("/password", data=form)
    assert refused.status_code == 400 and "current password is wrong" in refused.get_data(as_text=True)
    assert there.get("/api/imports").status_code == 200
    form["current_password"] = PASSWORD
    changed = here.post("/password", data=form)
    assert changed.status_code == 303
    assert here.get("/api/imports").status_code == 200
    assert there.get("/api/imports").status_code == 401
    assert "1 other session of yours was logged out" in here.get("/").get_data(as_text=True)


def test_the_session_registry_is_pruned_as_people_log_in(app, clerk):
    registry = app.extensions["elt_sessions"]
    for _ in range(5):
        login(app.test_client(), clerk, PASSWORD)
    assert len(registry) == 5
    registry.clock = lambda: time.monotonic() + 9 * 3600  # nine hours on: all five are past their time
    login(app.test_client(), clerk, PASSWORD)
    assert len(registry) == 1


def _failed_logins(client, n: int, forwarded: str | None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answers = []
    for _ in range(n):
        answers.append(
            client.post(
                "/login",
                data={"username": "clerk", "password": "wrong-password", "csrf_token": token},
                headers=headers,
            ).status_code
        )
    return answers


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_named(engine, settings, app_on, clerk):
    from tests.runner.conftest import add_small_pipelines

    add_small_pipelines(engine, settings)
    # Unnamed proxy: a forged header does not give the guesser a fresh address per try.
    client = app_on(settings).test_client()
    for i in range(5):
        _failed_logins(client, 1, forwarded=f"10.0.0.{i}")
    assert _failed_logins(client, 1, forwarded="10.0.0.99") == [429]

    # Named proxy (the test client connects from 127.0.0.1): each forwarded client counts alone.
    proxied = settings.model_copy(update={"runner_trusted_proxies": "192.0.2.1, 127.0.0.1"})
    client = app_on(proxied).test_client()
    assert _failed_logins(client, 5, forwarded="10.0.0.1")[-1] == 401
    assert _failed_logins(client, 1, forwarded="10.0.0.1") == [429]
    assert _failed_logins(client, 1, forwarded="10.0.0.2") == [401]  # a colleague behind the same proxy
