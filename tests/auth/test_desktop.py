"""Desktop mode, on both warehouses: loopback only, who the person is, and what their account row decides.

The OS credential store cannot run here; a lookup function stands in for Windows
Credential Manager (its reading is in tests/runner/test_units.py).
"""

from __future__ import annotations

import pytest

from elt_project.auth import accounts
from elt_project.auth.accounts import Account
from elt_project.auth.desktop import check_desktop_bind, desktop_account, desktop_login_name
from elt_project.errors import ConfigurationError


def _settings(settings, **values):
    return settings.model_copy(update={"runner_auth": "desktop", "bind_host": "127.0.0.1", **values})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_desktop_mode_is_allowed_on_loopback(settings, host):
    check_desktop_bind(_settings(settings, bind_host=host))


def test_desktop_mode_is_refused_on_any_other_address_and_accounts_mode_anywhere_is_fine(settings):
    with pytest.raises(ConfigurationError) as refused:
        check_desktop_bind(_settings(settings, bind_host="0.0.0.0"))  # noqa: S104 — the address being refused
    assert str(refused.value) == (
        "RUNNER_AUTH=desktop needs BIND_HOST=127.0.0.1 (it is 0.0.0.0); "
        "use RUNNER_AUTH=accounts when other computers reach the page."
    )
    check_desktop_bind(_settings(settings, runner_auth="accounts", bind_host="0.0.0.0"))  # noqa: S104


def test_without_a_stored_login_or_db_username_the_person_is_told_where_to_add_it(settings):
    bare = _settings(settings, db_username="")
    with pytest.raises(ConfigurationError) as missing:
        desktop_login_name(bare, lambda target: None)
    assert str(missing.value) == (
        f"No database login is stored under '{bare.credential_target}'; add it as a generic credential in "
        "Windows Credential Manager (or set DB_USERNAME), then reload this page."
    )


def test_the_account_row_decides_the_role_and_a_disabled_one_gets_nothing(settings, engine):
    desktop = _settings(settings)

    def store(target: str) -> str | None:  # holds the login under the configured target only
        return " pc_login " if target == desktop.credential_target else None

    assert desktop_account(engine, desktop, store) == Account("pc_login", "user", True)
    accounts.create_user(engine, "pc_login", "password1", "steward")
    assert desktop_account(engine, desktop, lambda target: "pc_login") == Account("pc_login", "steward", True)
    accounts.set_active(engine, "pc_login", False)
    assert desktop_account(engine, desktop, lambda target: "pc_login") is None
    with pytest.raises(ConfigurationError, match="needs BIND_HOST"):
        desktop_account(engine, _settings(settings, bind_host="10.0.0.5"), lambda target: "pc_login")
