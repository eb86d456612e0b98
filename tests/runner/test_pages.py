"""The page without a running Dagster, on SQLite and PostgreSQL: login, sessions, CSRF, headers, rules."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest

from elt_project.auth.accounts import create_user, set_active
from elt_project.auth.permissions import grant
from elt_project.errors import ConfigurationError
from elt_project.runner import create_app
from tests.net import free_port
from tests.runner.conftest import add_small_pipelines, csrf_from, login, make_settings, page_token, post_json

PASSWORD = "a-good-password"


@pytest.fixture
def clerk(engine):
    create_user(engine, "clerk", PASSWORD, "user")
    return "clerk"


def test_health_route_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_anonymous_visitors_are_sent_to_login_and_scripts_get_401(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    response = client.get("/api/imports")
    assert response.status_code == 401 and response.get_json() == {"error": "Please log in first."}
    assert client.get("/api/runs").status_code == 401


def test_login_starts_a_fresh_session_with_safe_cookie_flags(client, clerk):
    token_before = csrf_from(client.get("/login").get_data(as_text=True))
    response = login(client, clerk, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert page_token(client) != token_before  # a new session, not the visitor's


def test_cookies_are_secure_over_https(app, clerk):
    client = app.test_client()
    token = csrf_from(client.get("/login", base_url="https://localhost").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"username": clerk, "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
    )
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]


def test_logout_ends_the_session_on_the_server(app, clerk):
    client = app.test_client()
    login(client, clerk, PASSWORD)
    token = page_token(client)
    stolen = client.get_cookie("elt_importer_session").value
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/imports").status_code == 401
    other = app.test_client()
    other.set_cookie("elt_importer_session", stolen)  # the old cookie is worthless now
    assert other.get("/api/imports").status_code == 401


def test_repeated_failures_are_refused_without_telling_names_apart(client, clerk):
    wrong = login(client, clerk, "not-the-password")
    unknown = login(client, "nobody-at-all", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert re.sub(r'value="[^"]+"', "", wrong.get_data(as_text=True)) == re.sub(
        r'value="[^"]+"', "", unknown.get_data(as_text=True)
    )
    for _ in range(4):
        login(client, clerk, "still-wrong")
    refused = login(client, clerk, PASSWORD)  # even the right password waits now
    assert refused.status_code == 429 and "try again in" in refused.get_data(as_text=True)
    assert client.get("/api/imports").status_code == 401


def test_a_disabled_account_is_logged_out_on_its_next_request(client, engine, clerk):
    login(client, clerk, PASSWORD)
    assert client.get("/api/imports").status_code == 200
    set_active(engine, clerk, False)
    assert client.get("/api/imports").status_code == 401
    assert login(client, clerk, PASSWORD).status_code == 401


def test_every_post_needs_the_csrf_token(client, clerk):
    login(client, clerk, PASSWORD)
    token = page_token(client)
    assert client.post("/runs", json={"imports": ["sales_daily_csv"]}).status_code == 400
    bad = client.post("/runs", json={"imports": ["sales_daily_csv"]}, headers={"X-CSRF-Token": "x" + token})
    assert bad.status_code == 400 and "reload it" in bad.get_json()["error"]
    assert client.post("/logout").status_code == 400
    assert client.post("/upload", data={"import_name": "sales_daily_csv"}).status_code == 400
    assert client.get("/api/imports").status_code == 200  # still logged in


def test_security_headers_and_nothing_inline_or_remote(client, clerk):
    login(client, clerk, PASSWORD)
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/") or url.startswith("http://127.0.0.1:8501"), url  # the hub link only
    for asset in ("/static/runner.js", "/static/runner.css"):
        assert client.get(asset).status_code == 200


def test_a_user_with_rows_sees_and_runs_only_those_groups(client, engine, clerk):
    grant(engine, clerk, "Sales")
    login(client, clerk, PASSWORD)
    groups = [g["pipeline_name"] for g in client.get("/api/imports").get_json()["groups"]]
    assert groups == ["Sales"]
    page = client.get("/").get_data(as_text=True)
    assert "inventory_snapshot" not in page
    token = page_token(client)
    refused = post_json(client, "/runs", {"imports": ["sales_daily_csv", "inventory_snapshot"]}, token)
    assert refused.status_code == 403 and "nothing was started" in refused.get_json()["error"]
    missing = post_json(client, "/runs", {"imports": ["no_such_import"]}, token)
    assert missing.status_code == 404


def test_an_admin_and_a_user_without_rows_see_every_active_group(client, engine, clerk):
    create_user(engine, "boss", PASSWORD, "admin")
    grant(engine, "boss", "Sales")  # rows do not narrow an admin
    for name in (clerk, "boss"):
        login(client, name, PASSWORD)
        groups = [g["pipeline_name"] for g in client.get("/api/imports").get_json()["groups"]]
        assert groups == ["Inventory", "Sales"], name
        client.post("/logout", data={"csrf_token": page_token(client)})


def test_the_page_loads_and_says_so_when_dagster_is_down(client, clerk):
    login(client, clerk, PASSWORD)
    page = client.get("/")
    assert page.status_code == 200
    assert "Dagster is not answering" in page.get_data(as_text=True)
    assert "Run Selected Imports" in page.get_data(as_text=True)
    body = post_json(client, "/runs", {"imports": ["sales_daily_csv", "inventory_snapshot"]}, page_token(client))
    problems = body.get_json()["problems"]
    assert body.status_code == 200 and [p["import_name"] for p in problems] == ["sales_daily_csv", "inventory_snapshot"]
    assert all("`python3 launch.py`" in p["message"] for p in problems)
    assert client.get("/api/runs").get_json()["problem"].startswith("Dagster is not answering")


def test_the_form_works_without_the_script_too(client, clerk):
    login(client, clerk, PASSWORD)
    token = page_token(client)
    response = client.post("/runs", data={"csrf_token": token, "import": ["sales_daily_psv"]})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "flash-problem" in page and "Dagster is not answering" in page
    assert client.post("/runs", data={"csrf_token": token}).status_code == 400  # nothing ticked


def test_the_page_loads_and_says_so_when_the_warehouse_is_down(tmp_path, app_on):
    dead = f"postgresql+psycopg://elt:secret-pw@127.0.0.1:{free_port()}/elt"
    settings = make_settings(dead, tmp_path / "data")
    client = app_on(settings).test_client()
    page = client.get("/login")
    assert page.status_code == 200
    response = login(client, "clerk", PASSWORD)
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and "warehouse cannot be reached" in text
    assert "secret-pw" not in text and "Traceback" not in text

    desktop = make_settings(dead, tmp_path / "data", runner_auth="desktop", db_username="clerk")
    page = app_on(desktop).test_client().get("/")
    assert page.status_code == 503 and "warehouse cannot be reached" in page.get_data(as_text=True)


def _upload(client, token, import_name, name, content: bytes):
    return client.post(
        "/upload",
        data={"csrf_token": token, "import_name": import_name, "file": (io.BytesIO(content), name)},
    )


def test_uploads_are_checked_and_land_under_a_generated_name(client, settings, clerk):
    login(client, clerk, PASSWORD)
    token = page_token(client)
    folder = Path(settings.data_dir) / "incoming" / "sales"
    before = set(folder.iterdir())
    wrong = _upload(client, token, "sales_daily_csv", "report.xlsx", b"x")
    assert wrong.status_code == 400 and "choose a file ending in .csv" in wrong.get_data(as_text=True)
    empty = _upload(client, token, "sales_daily_csv", "empty.csv", b"")
    assert empty.status_code == 400
    assert set(folder.iterdir()) == before
    response = _upload(client, token, "sales_daily_csv", "../../../etc/evil.csv", b"order_id\n1\n")
    assert response.status_code == 303  # saved; the run could not start because Dagster is down
    [new] = set(folder.iterdir()) - before
    assert re.fullmatch(r"sales_upload_\d{8}_\d{6}_clerk_[0-9a-f]{8}\.csv", new.name)
    assert new.read_bytes() == b"order_id\n1\n"
    page = client.get("/").get_data(as_text=True)
    assert "The file is waiting in the import&#39;s folder." in page
    assert str(folder) not in page


def test_uploads_over_the_limit_leave_nothing_behind(tmp_path, engine, settings, app_on, clerk):
    small = settings.model_copy(update={"runner_upload_max_mb": 1})
    add_small_pipelines(engine, small)
    client = app_on(small).test_client()
    login(client, clerk, PASSWORD)
    folder = Path(settings.data_dir) / "incoming" / "sales"
    before = set(folder.iterdir())
    response = _upload(client, page_token(client), "sales_daily_csv", "big.csv", b"a,b\n" * (600 * 1024))
    assert response.status_code in (400, 413)
    assert set(folder.iterdir()) == before


def test_the_secret_key_is_generated_once_into_a_private_file(tmp_path, settings, app_on):
    key_file = settings.secret_key_path
    assert not key_file.exists()
    first = app_on(settings, SECRET_KEY=None)
    mode = stat.S_IMODE(key_file.stat().st_mode)
    assert mode == 0o600
    second = app_on(settings, SECRET_KEY=None)
    assert first.secret_key == second.secret_key == key_file.read_text()
    assert len(first.secret_key) == 64


def test_desktop_mode_uses_the_stored_login_and_only_on_loopback(engine, settings, app_on):
    add_small_pipelines(engine, settings)
    grant(engine, "data_entry_clerk", "Inventory")
    desktop = settings.model_copy(update={"runner_auth": "desktop", "db_username": "data_entry_clerk"})
    client = app_on(desktop).test_client()
    assert client.get("/login").status_code == 302  # no login page
    groups = [g["pipeline_name"] for g in client.get("/api/imports").get_json()["groups"]]
    assert groups == ["Inventory"]
    page = client.get("/").get_data(as_text=True)
    assert "data_entry_clerk" in page and "Log out" not in page
    with pytest.raises(ConfigurationError, match="BIND_HOST=127.0.0.1"):
        create_app({"SETTINGS": desktop.model_copy(update={"bind_host": "0.0.0.0"}), "SECRET_KEY": "k"})
    nobody = settings.model_copy(update={"runner_auth": "desktop", "db_username": None})
    page = app_on(nobody).test_client().get("/")
    assert page.status_code == 503 and "Credential Manager" in page.get_data(as_text=True)
