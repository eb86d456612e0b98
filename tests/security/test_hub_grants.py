"""Pipeline grants hold on every hub page: users × groups × pages, zero views of another group's data.

The warehouse has two pipeline groups (tests/hub/two_groups.py). Each account opens
every page its role reaches, and the pages that need input are driven (a question, a
SELECT of the other group's table, a search); whatever the page then drew is searched
for the other group's marker strings (import, table, file path, error text).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from elt_project.analytics import access
from elt_project.cli import main
from elt_project.hub import registry
from tests.hub import two_groups
from tests.hub.conftest import hub_env, logged_in_app, make_account, open_page, sales_engine  # noqa: F401  (fixtures)

#: account name -> (role, granted group or None for no grant rows)
ACCOUNTS = {
    "inv_user": ("user", "Inventory"),
    "inv_analyst": ("analyst", "Inventory"),
    "sales_analyst": ("analyst", "Sales"),
    "inv_steward": ("steward", "Inventory"),
    "open_analyst": ("analyst", None),
    "boss": ("admin", "Inventory"),  # an admin's grant rows do not narrow what an admin sees
}
OTHER = {"Inventory": "Sales", "Sales": "Inventory"}


@pytest.fixture
def warehouse(hub_env, sales_engine, monkeypatch):  # noqa: F811  (the imported fixtures)
    monkeypatch.setenv("ELT_SEARCH_ENGINE", "tfidf")
    two_groups.install(sales_engine)
    accounts = {}
    for name, (role, group) in ACCOUNTS.items():
        accounts[name] = make_account(sales_engine, role, name)
        if group:
            two_groups.grant_only(sales_engine, name, group)
    return sales_engine, accounts


def _drive(at, page: str, other_table: str) -> None:
    """Use the page the way a curious person would, reaching for the other group's data."""
    if page == "ask":
        at.text_area(key="ask_sql").input(f"SELECT * FROM {other_table}")
        at.button(key="ask_run_sql").click()
        at.run()
        at.text_input(key="ask_question").input("total amount by region")
        at.button[0].click()
        at.run()
    elif page == "search":
        at.text_input(key="search_query").input("sales orders inventory stock widget")
        at.run()


def test_readable_tables_follow_grants(warehouse):
    engine, accounts = warehouse
    readable = {name: access.readable_tables(engine, account) for name, account in accounts.items()}
    assert "dest_sales" not in readable["inv_analyst"] and "dest_inventory" in readable["inv_analyst"]
    assert "dest_inventory" not in readable["sales_analyst"] and "dest_sales" in readable["sales_analyst"]
    # tables no pipeline loads stay open to every analyst, as published in the hub's list
    assert {"dim_products", "dim_customers"} <= readable["inv_analyst"] & readable["sales_analyst"]
    assert {"dest_sales", "dest_inventory"} <= readable["open_analyst"] & readable["boss"]


@pytest.mark.slow
def test_authorization_matrix_no_page_shows_another_groups_data(warehouse):
    engine, accounts = warehouse
    cells, leaks, own_seen = 0, [], 0
    for name, account in accounts.items():
        role, group = ACCOUNTS[name]
        restricted = group is not None and role != "admin"
        for page in registry.pages_for(role):
            at = logged_in_app(account)
            open_page(at, page.url_path)
            _drive(at, page.url_path, two_groups.GROUPS[OTHER.get(group, "Sales")]["table"])
            assert not at.exception, (name, page.url_path, at.exception)
            cells += 1
            if restricted:
                found = two_groups.leaked(at, OTHER[group])
                if found:
                    leaks.append((name, page.url_path, found))
                own_seen += bool(two_groups.leaked(at, group))
            elif page.url_path == "monitor":  # unrestricted accounts do see both groups
                assert two_groups.leaked(at, "Sales") and two_groups.leaked(at, "Inventory"), name
    print(f"\nauthorization matrix: {len(accounts)} accounts x 2 groups, {cells} page views, "
          f"{len(leaks)} unauthorized views, {own_seen} views showing the account's own group")  # fmt: skip
    assert leaks == []
    assert own_seen >= 6  # the restricted accounts do see their own group (Home, Monitor, Ask, ...)


def test_monitor_of_an_inventory_analyst_lists_only_inventory(warehouse):
    _engine, accounts = warehouse
    at = logged_in_app(accounts["inv_analyst"], page="monitor")
    assert at.selectbox(key="mon_import").options == ["inventory_csv"]
    assert at.selectbox(key="mon_pipeline").options == ["Inventory"]
    assert not two_groups.leaked(at, "Sales")
    assert two_groups.leaked(at, "Inventory")


def test_home_of_an_inventory_user_has_no_sales_kpis_story_or_runs(warehouse):
    _engine, accounts = warehouse
    at = logged_in_app(accounts["inv_user"])
    assert "Revenue" not in {m.label for m in at.metric}
    assert not any("dest_sales" in s.value.replace("\\", "") for s in at.subheader)
    assert set(at.dataframe[0].value["Import name"]) == {"inventory_csv"}
    assert "" in set(at.dataframe[0].value["Error message"])  # the successful run's empty error is blank
    assert not [i for i in at.info if "No sales data" in i.value]  # there is sales data, just not theirs
    assert {m.label: m.value for m in at.metric}["Failed runs (7 days)"] == "1"


def test_ask_as_a_sales_analyst_refuses_dest_inventory(warehouse):
    _engine, accounts = warehouse
    at = logged_in_app(accounts["sales_analyst"], page="ask")
    at.text_area(key="ask_sql").input("SELECT sku, on_hand FROM dest_inventory")
    at.button(key="ask_run_sql").click()
    at.run()
    assert at.warning and "dest_inventory" in at.warning[0].value.replace("\\", "")
    assert not at.dataframe
    at.text_area(key="ask_sql").input("SELECT count(*) AS n FROM dest_sales")
    at.button(key="ask_run_sql").click()
    at.run()
    assert at.metric[0].value == "240"


def test_cli_ask_and_sql_run_as_the_named_user(warehouse, settings):
    env = {"DATABASE_URL": settings.database_url.get_secret_value(), "ELT_DATA_DIR": str(settings.data_dir)}

    class runner:  # noqa: N801  (reads like CliRunner at the call sites)
        @staticmethod
        def invoke(_cli, args):
            return CliRunner().invoke(main, args, env={**env, "OPENAI_API_KEY": None})

    refused = runner.invoke(main, ["sql", "--as", "sales_analyst", "--json", "SELECT * FROM dest_inventory"])
    assert refused.exit_code == 1 and "dest_inventory" in json.loads(refused.output)["error"]
    allowed = runner.invoke(main, ["sql", "--as", "inv_analyst", "--json", "SELECT count(*) AS n FROM dest_inventory"])
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.output)["rows"] == [[90]]
    owner = runner.invoke(main, ["sql", "--json", "SELECT count(*) AS n FROM dest_inventory"])
    assert json.loads(owner.output)["rows"] == [[90]]
    asked = runner.invoke(main, ["ask", "--as", "inv_analyst", "--json", "total amount by region"])
    assert "dest_sales" not in asked.output
    unknown = runner.invoke(main, ["ask", "--as", "nobody", "total amount"])
    assert unknown.exit_code != 0 and "no active user named 'nobody'" in unknown.output
