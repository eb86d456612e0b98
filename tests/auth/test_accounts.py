"""Accounts at their edges, on both warehouses: the exact refusals, name and password limits, listing, admins.

The main paths (hashing, logging in, disabling) are in tests/auth/test_auth.py. Each password
hash costs real scrypt time, so these tests create as few accounts as they can.
"""

from __future__ import annotations

import pytest

from elt_project.auth import accounts
from elt_project.auth.accounts import Account
from elt_project.errors import ConfigurationError


def _refusal(call, *args) -> str:
    with pytest.raises(ConfigurationError) as refused:
        call(*args)
    return str(refused.value)


def test_user_names_allow_the_documented_characters_up_to_128():
    assert accounts.validate_username("  a.b_c@d-e\\f ") == "a.b_c@d-e\\f"
    assert accounts.validate_username("A" * 128) == "A" * 128
    rule = "use letters, digits and _ . @ - \\ (up to 128 characters)."
    assert _refusal(accounts.validate_username, "A" * 129) == f"'{'A' * 129}' is not a valid user name; {rule}"
    assert _refusal(accounts.validate_username, "_ann") == f"'_ann' is not a valid user name; {rule}"
    assert _refusal(accounts.validate_username, None) == f"'None' is not a valid user name; {rule}"


def test_passwords_need_eight_characters_and_are_checked_before_anything_is_written(engine):
    short = "The password is too short; use at least 8 characters."
    assert _refusal(accounts.create_user, engine, "ann", "seven77") == short
    assert _refusal(accounts.create_user, engine, "ann", None) == short
    assert accounts.list_users(engine) == []
    assert accounts.create_user(engine, " ann ", "eight888", "Steward") == Account("ann", "steward", True)
    assert _refusal(accounts.set_password, engine, "ann", "seven77") == short
    assert accounts.authenticate(engine, " ann ", "eight888") == Account("ann", "steward", True)
    assert accounts.authenticate(engine, "ann", None) is None
    assert accounts.authenticate(engine, None, "eight888") is None


def test_refusals_name_the_command_that_helps(engine):
    accounts.create_user(engine, "bob", "password1")
    assert _refusal(accounts.create_user, engine, "bob", "password2") == (
        "A user named 'bob' already exists; use `python3 launch.py elt user passwd bob` to change it."
    )
    missing = "There is no user named 'carol'; see `python3 launch.py elt user list`."
    assert _refusal(accounts.set_password, engine, "carol", "password1") == missing
    assert _refusal(accounts.set_active, engine, "carol", False) == missing


def test_accounts_are_listed_by_name_with_their_state_and_only_active_admins_count(engine):
    accounts.create_user(engine, "zoe", "password1", "admin")
    accounts.create_user(engine, "adam", "password1")
    accounts.set_active(engine, "zoe", False)
    assert accounts.list_users(engine) == [Account("adam", "user", True), Account("zoe", "admin", False)]
    assert accounts.get_account(engine, "zoe") == Account("zoe", "admin", False)
    assert accounts.get_account(engine, "nobody") is None
    assert not accounts.has_any_admin(engine)  # the only admin is disabled
    accounts.set_role(engine, "adam", "admin")
    assert accounts.has_any_admin(engine)
    accounts.set_active(engine, "zoe", True)
    accounts.set_role(engine, "adam", "user")
    assert accounts.get_account(engine, "zoe").is_active is True
    assert accounts.has_any_admin(engine)  # the re-enabled admin counts again
