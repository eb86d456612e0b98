"""Accounts, the role ladder, pipeline permissions and the login throttle, on both warehouses."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from elt_project.auth import accounts, permissions
from elt_project.auth.roles import ROLES, has_role, parse_role
from elt_project.auth.throttle import LoginThrottle
from elt_project.db import schema
from elt_project.db.migrate import upgrade
from elt_project.errors import ConfigurationError
from tests.config_rows import insert_config


def _add_config(engine, import_name: str, pipeline_name: str, active: int = 1) -> None:
    insert_config(engine, import_name=import_name, pipeline_name=pipeline_name, monitored_directory="/tmp/in",
                  is_active=active)  # fmt: skip


def test_the_ladder_orders_roles_and_refuses_unknown_ones():
    assert ROLES == ("user", "analyst", "steward", "admin")
    assert has_role("admin", "steward") and has_role("steward", "steward")
    assert not has_role("analyst", "steward") and not has_role("user", "analyst")
    assert not has_role("superuser", "user")
    assert parse_role(" Analyst ") == "analyst"
    with pytest.raises(ConfigurationError, match="choose one of user, analyst, steward, admin"):
        parse_role("root")


def test_password_is_stored_as_a_hash_and_checked(engine):
    accounts.create_user(engine, "ann", "correct horse", "analyst")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(schema.elt_users.c.password_hash)).scalar_one()
    assert "correct horse" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    assert accounts.authenticate(engine, "ann", "correct horse") == accounts.Account("ann", "analyst", True)
    assert accounts.authenticate(engine, "ann", "wrong horse") is None
    assert accounts.authenticate(engine, "nobody", "correct horse") is None


def test_disabled_accounts_cannot_log_in_and_changes_need_a_real_user(engine):
    accounts.create_user(engine, "bob", "password1")
    accounts.set_active(engine, "bob", False)
    assert accounts.authenticate(engine, "bob", "password1") is None
    accounts.set_active(engine, "bob", True)
    accounts.set_password(engine, "bob", "password2")
    assert accounts.authenticate(engine, "bob", "password1") is None
    assert accounts.authenticate(engine, "bob", "password2").role == "user"
    with pytest.raises(ConfigurationError, match="no user named 'carol'"):
        accounts.set_role(engine, "carol", "admin")


def test_bad_names_short_passwords_and_duplicates_are_refused(engine):
    with pytest.raises(ConfigurationError, match="not a valid user name"):
        accounts.create_user(engine, "a b'; DROP", "password1")
    with pytest.raises(ConfigurationError, match="at least 8 characters"):
        accounts.create_user(engine, "dan", "short")
    accounts.create_user(engine, "dan", "password1")
    with pytest.raises(ConfigurationError, match="already exists"):
        accounts.create_user(engine, "dan", "password1")
    assert not accounts.has_any_admin(engine)
    accounts.set_role(engine, "dan", "admin")
    assert accounts.has_any_admin(engine)


def test_permissions_follow_the_documented_rule(engine):
    _add_config(engine, "sales_csv", "Sales")
    _add_config(engine, "stock_csv", "Inventory")
    _add_config(engine, "old_csv", "Legacy", active=0)
    admin = accounts.create_user(engine, "root1", "password1", "admin")
    limited = accounts.create_user(engine, "clerk", "password1")
    free = accounts.create_user(engine, "anyone", "password1")
    assert permissions.grant(engine, "clerk", "Sales")
    assert not permissions.grant(engine, "clerk", "Sales")
    permissions.grant(engine, "root1", "Sales")  # rows for an admin do not narrow what they see

    assert permissions.allowed_pipelines(engine, limited) == {"Sales"}
    assert permissions.allowed_pipelines(engine, free) == {"Sales", "Inventory"}
    assert permissions.allowed_pipelines(engine, admin) == {"Sales", "Inventory"}
    assert "Inventory" not in permissions.allowed_pipelines(engine, limited)
    assert "Legacy" not in permissions.allowed_pipelines(engine, free)

    assert permissions.revoke(engine, "clerk", "Sales")
    assert permissions.allowed_pipelines(engine, limited) == {"Sales", "Inventory"}


def test_five_failures_lock_only_that_address_and_name_pair():
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(4):
        throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 0
    throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") > 60  # locked for minutes
    assert throttle.retry_after("ANN ", "10.0.0.1") > 60  # the same name, however typed
    assert throttle.retry_after("ann", "10.0.0.2") == 0  # ann herself, from her own PC
    assert throttle.retry_after("bob", "10.0.0.1") == 0  # another name from that address
    now[0] += throttle.lockout_s + 1
    assert throttle.retry_after("ann", "10.0.0.1") == 0


def test_one_address_cannot_lock_every_account():
    throttle = LoginThrottle(clock=lambda: 1000.0)
    names = [f"user{i}" for i in range(20)]
    for name in names:
        for _ in range(6):
            throttle.record_failure(name, "10.6.6.6")
    assert all(throttle.retry_after(name, "10.0.0.9") == 0 for name in names)


def test_many_addresses_at_one_name_slow_it_down_but_never_lock_it():
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for i in range(throttle.slowdown_after - 1):
        throttle.record_failure("ann", f"10.1.0.{i}")
    assert throttle.retry_after("ann", "10.0.0.2") == 0
    throttle.record_failure("ann", "10.1.1.1")  # the tenth failure, from yet another address
    wait = throttle.retry_after("ann", "10.0.0.2")
    assert 0 < wait <= throttle.slowdown_max_s + 1
    for i in range(100):
        throttle.record_failure("ann", f"10.2.0.{i}")
    assert throttle.retry_after("ann", "10.0.0.2") <= throttle.slowdown_max_s + 1  # bounded
    now[0] += throttle.slowdown_max_s + 1
    assert throttle.retry_after("ann", "10.0.0.2") == 0  # she gets her try
    assert throttle.retry_after("bob", "10.0.0.2") == 0


def test_stale_counters_are_pruned():
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for i in range(1500):
        throttle.record_failure(f"name{i}", f"10.3.{i // 256}.{i % 256}")
    assert throttle.tracked_keys() >= 3000
    now[0] += throttle.window_s + throttle.lockout_s + 1
    throttle.record_failure("late", "10.9.9.9")  # a failure past the size mark prunes first
    assert throttle.tracked_keys() == 2


def test_old_failures_fall_out_of_the_window():
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(4):
        throttle.record_failure("ann", None)
    now[0] += throttle.window_s + 1
    throttle.record_failure("ann", None)
    assert throttle.retry_after("ann", None) == 0


def test_is_admin_flag_of_an_older_warehouse_becomes_the_admin_role(bare_engine):
    upgrade(bare_engine, "0001")
    with bare_engine.begin() as conn:  # the shape revision 0001 shipped with
        conn.execute(sa.text("DROP TABLE elt_users"))
        conn.execute(
            sa.text(
                "CREATE TABLE elt_users (id INTEGER PRIMARY KEY, username VARCHAR(255) NOT NULL UNIQUE, "
                "password_hash VARCHAR(512) NOT NULL, is_admin SMALLINT DEFAULT 0 NOT NULL, "
                "is_active SMALLINT DEFAULT 1 NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)"
            )
        )
        conn.execute(sa.text("INSERT INTO elt_users (id, username, password_hash, is_admin) VALUES (1, 'a', 'h', 1)"))
        conn.execute(sa.text("INSERT INTO elt_users (id, username, password_hash, is_admin) VALUES (2, 'b', 'h', 0)"))
    upgrade(bare_engine)
    assert {a.username: a.role for a in accounts.list_users(bare_engine)} == {"a": "admin", "b": "user"}
    assert "is_admin" not in {c["name"] for c in sa.inspect(bare_engine).get_columns("elt_users")}


def _elt(database_url: str, *args: str, stdin: str = ""):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "elt_project.cli", "user", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.slow
def test_user_commands_take_passwords_from_stdin_never_arguments(engine, database_url):
    created = _elt(database_url, "add", "erin", "--role", "steward", stdin="s3cret-pass\ns3cret-pass\n")
    assert created.returncode == 0, created.stderr
    assert "created with role steward" in created.stdout
    mismatch = _elt(database_url, "passwd", "erin", stdin="one-password\nother-password\n")
    assert mismatch.returncode == 1 and "The two passwords differ" in mismatch.stderr
    assert accounts.authenticate(engine, "erin", "s3cret-pass").role == "steward"
    assert _elt(database_url, "disable", "erin").returncode == 0
    listed = _elt(database_url, "list")
    assert "erin" in listed.stdout and "disabled" in listed.stdout
    assert "s3cret" not in listed.stdout + created.stdout
    unknown = _elt(database_url, "passwd", "nobody", stdin="x\nx\n")
    assert unknown.returncode == 1 and "no user named 'nobody'" in unknown.stderr
