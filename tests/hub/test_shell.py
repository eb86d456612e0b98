"""The hub's frame: login against elt_users, menus by role, server-side role checks, Home."""

from __future__ import annotations

from datetime import datetime

from elt_project.auth.accounts import set_active, set_role
from elt_project.db import schema
from elt_project.hub import registry
from tests.hub.conftest import PASSWORD, logged_in_app, make_account, menu


def _login(at, username, password):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def test_login_with_elt_users_account_and_wrong_password(hub_env):
    make_account(hub_env, "analyst", "ann")
    at = logged_in_app(None)
    assert menu(at) == ["login"]
    at = _login(at, "ann", "wrong-password")
    assert any("Wrong user name or password" in e.value for e in at.error)
    assert menu(at) == ["login"]
    at = _login(at, "ann", PASSWORD)
    assert not at.exception
    assert at.session_state["hub_account"].username == "ann"
    assert "home" in menu(at)


def test_repeated_failures_are_throttled(hub_env):
    make_account(hub_env, "user", "bob")
    at = logged_in_app(None)
    for _ in range(5):
        at = _login(at, "bob", "nope-nope-nope")
    at = _login(at, "bob", PASSWORD)
    assert any("Too many failed logins" in e.value for e in at.error)
    assert "hub_account" not in at.session_state


def test_menu_follows_the_role_ladder(hub_env):
    for role in ("user", "analyst", "steward", "admin"):
        account = make_account(hub_env, role)
        at = logged_in_app(account)
        assert not at.exception
        expected = [page.url_path for page in registry.pages_for(role)]
        assert menu(at) == expected
    user_pages = {page.url_path for page in registry.pages_for("user")}
    admin_pages = {page.url_path for page in registry.pages_for("admin")}
    assert "home" in user_pages and user_pages <= admin_pages


def test_disabled_or_demoted_account_loses_access_on_next_run(hub_env):
    account = make_account(hub_env, "admin", "ada")
    at = logged_in_app(account)
    assert "home" in menu(at)
    set_role(hub_env, "ada", "user")
    at.run()
    assert at.session_state["hub_account"].role == "user"
    set_active(hub_env, "ada", False)
    at.run()
    assert menu(at) == ["login"]
    assert "hub_account" not in at.session_state


def test_home_shows_pipeline_health(hub_env):
    now = datetime.now()
    with hub_env.begin() as conn:
        conn.execute(
            schema.etl_pipeline_run_logs.insert(),
            [
                {"run_id": "r1", "import_name": "sales_csv", "status": "SUCCESS", "start_time": now, "rows_loaded": 7},
                {
                    "run_id": "r2",
                    "import_name": "sales_csv",
                    "status": "FAILED",
                    "start_time": now,
                    "rows_loaded": None,
                },
            ],
        )
        conn.execute(
            schema.data_quality_run_logs.insert(),
            [{"run_id": "r1", "rule_name": "amount_positive", "status": "WARN", "failing_row_count": 3}],
        )
    at = logged_in_app(make_account(hub_env, "user"))
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Failed runs (7 days)"] == "1"
    assert metrics["Quality warnings (7 days)"] == "1"
    table = at.dataframe[0].value
    assert set(table["Status"]) == {"SUCCESS", "FAILED"}
