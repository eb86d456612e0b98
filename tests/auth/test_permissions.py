"""Pipeline permissions in detail, on both warehouses: grants, revokes, what each account sees and may run.

The documented rule as a whole is in tests/auth/test_auth.py; here each function meets the
cases at its edges. Accounts are built directly (permissions never read passwords), so no
password hashing slows these tests.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.auth import permissions
from elt_project.auth.accounts import Account
from elt_project.db import schema
from elt_project.errors import ConfigurationError
from tests.config_rows import insert_config

ADMIN = Account("root1", "admin")
CLERK = Account("clerk", "user")
STEWARD = Account("stew", "steward")
FREE = Account("anyone", "analyst")


@pytest.fixture
def groups(engine):
    """Sales (two imports, one switched off), Inventory, Legacy (switched off), and a row with no group."""
    for import_name, pipeline_name, active in (
        ("sales_csv", "Sales", 1),
        ("sales_old_csv", "Sales", 0),
        ("stock_csv", "Inventory", 1),
        ("old_csv", "Legacy", 0),
        ("loose_csv", "", 1),
    ):
        insert_config(
            engine,
            import_name=import_name,
            pipeline_name=pipeline_name,
            monitored_directory="/tmp/in",
            is_active=active,
        )
    return engine


def test_active_groups_are_those_with_an_active_import(groups):
    assert permissions.active_pipelines(groups) == {"Sales", "Inventory"}


def test_grants_narrow_what_a_person_sees_but_never_an_admin(groups):
    assert permissions.grant(groups, " clerk ", "Inventory")
    assert permissions.granted_pipelines(groups, "clerk") == {"Inventory"}
    assert permissions.grant(groups, "stew", "Legacy")  # a switched-off group: granted, but nothing to see
    assert permissions.grant(groups, "root1", "Legacy")
    assert permissions.allowed_pipelines(groups, CLERK) == {"Inventory"}
    assert permissions.allowed_pipelines(groups, STEWARD) == set()
    assert permissions.allowed_pipelines(groups, ADMIN) == {"Sales", "Inventory"}
    assert permissions.allowed_pipelines(groups, FREE) == {"Sales", "Inventory"}


def test_a_grant_needs_a_valid_name_and_a_group(groups):
    with pytest.raises(ConfigurationError) as blank:
        permissions.grant(groups, "clerk", "  ")
    assert str(blank.value) == "Name the pipeline group to grant, as in elt_pipeline_configs.pipeline_name."
    with pytest.raises(ConfigurationError, match="not a valid user name"):
        permissions.grant(groups, "a b", "Sales")
    assert permissions.granted_pipelines(groups, "clerk") == set()


def test_revoking_removes_only_that_grant_of_that_person(groups):
    permissions.grant(groups, "clerk", "Sales")
    permissions.grant(groups, "clerk", "Inventory")
    permissions.grant(groups, "stew", "Sales")
    assert permissions.revoke(groups, "clerk", "Sales")
    assert not permissions.revoke(groups, "clerk", "Sales")
    assert not permissions.revoke(groups, "nobody", "Inventory")
    assert permissions.granted_pipelines(groups, "clerk") == {"Inventory"}
    assert permissions.granted_pipelines(groups, "stew") == {"Sales"}


def test_may_see_a_group_by_name_even_when_it_is_switched_off(groups):
    permissions.grant(groups, "clerk", "Legacy")
    permissions.grant(groups, "root1", "Inventory")
    assert permissions.may_see_pipeline_name(groups, CLERK, "Legacy")
    assert not permissions.may_see_pipeline_name(groups, CLERK, "Sales")
    assert permissions.may_see_pipeline_name(groups, ADMIN, "Sales")  # an admin's rows do not narrow
    assert permissions.may_see_pipeline_name(groups, FREE, "Legacy")  # no rows: every group


def test_runnable_imports_are_sorted_into_what_runs_and_why_the_rest_does_not(groups):
    permissions.grant(groups, "clerk", "Sales")
    names = ["sales_csv", "sales_old_csv", "stock_csv", "ghost_csv", "old_csv"]
    result = permissions.runnable_imports(groups, CLERK, names)
    assert [config.import_name for config in result.configs] == ["sales_csv"]
    assert result.unavailable == {"sales_old_csv": "Import 'sales_old_csv' has been switched off; it was not started."}
    assert result.forbidden == ["stock_csv", "old_csv"]
    assert result.unknown == ["ghost_csv"]
    everything = permissions.runnable_imports(groups, ADMIN, names)
    assert [config.import_name for config in everything.configs] == ["sales_csv", "stock_csv"]
    assert set(everything.unavailable) == {"sales_old_csv", "old_csv"} and everything.forbidden == []


def test_an_import_whose_row_is_invalid_is_reported_not_run(groups):
    with groups.begin() as conn:
        configs = schema.elt_pipeline_configs
        conn.execute(sa.update(configs).where(configs.c.import_name == "stock_csv").values(staging_table="bad name;"))
    result = permissions.runnable_imports(groups, FREE, ["stock_csv", "sales_csv"])
    assert [config.import_name for config in result.configs] == ["sales_csv"]
    problem = "Import 'stock_csv' has a configuration problem (staging_table); ask an administrator to fix its row."
    assert result.unavailable == {"stock_csv": problem}
