"""The Ask page in Streamlit's AppTest: questions, own SQL, refusals, saved examples, role checks."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from elt_project.analytics import hub_config
from tests.hub.conftest import ACCOUNT_KEY, logged_in_app, make_account, menu, shown


def _ask(at: AppTest, question: str) -> AppTest:
    at.text_input(key="ask_question").input(question)
    next(b for b in at.button if b.label == "Ask").click()
    return at.run(timeout=60)


def test_analyst_asks_and_sees_table_sql_and_engine(hub_env, sales_engine):
    at = logged_in_app(make_account(sales_engine, "analyst"), page="ask")
    assert not at.exception
    at = _ask(at, "revenue by region")
    assert not at.exception and not at.warning
    table = at.dataframe[0].value
    assert list(table.columns) == ["Region", "Total amount"] and list(table["Region"]) == ["North", "South", "West"]
    assert "SUM(dest_sales.amount)" in at.code[0].value
    assert any("built-in parser" in c.value for c in at.caption)

    next(b for b in at.button if b.label == "Save as an example").click()
    at.run()
    assert any("Saved" in s.value for s in at.success)
    assert [e.question for e in hub_config.list_examples(sales_engine)] == ["revenue by region"]


def test_unanswerable_question_and_refused_sql_are_explained(hub_env, sales_engine):
    at = logged_in_app(make_account(sales_engine, "analyst"), page="ask")
    at = _ask(at, "revenue on Jupiter")
    assert any("jupiter" in shown(w.value) for w in at.warning) and not at.dataframe
    at.text_area(key="ask_sql").input("DELETE FROM dest_sales")
    next(b for b in at.button if b.label == "Run SQL").click()
    at.run()
    assert any("Refused (query-only)" in shown(w.value) for w in at.warning)
    at.text_area(key="ask_sql").input("SELECT channel, COUNT(*) AS n FROM dest_sales GROUP BY channel")
    next(b for b in at.button if b.label == "Run SQL").click()
    at.run()
    assert list(at.dataframe[0].value["Channel"]) == ["Online", "Retail"]


def _render_ask_directly():
    from elt_project.hub.pages.ask import render

    render()


def test_ask_is_hidden_from_users_and_refused_server_side(hub_env, sales_engine):
    user = make_account(sales_engine, "user")
    assert "ask" not in menu(logged_in_app(user))
    at = AppTest.from_function(_render_ask_directly, default_timeout=60)
    at.session_state[ACCOUNT_KEY] = user
    at.run()
    assert any("needs the analyst role" in e.value for e in at.error)
    assert not at.text_input


def test_admin_chooses_the_allowed_tables(hub_env, sales_engine):
    at = logged_in_app(make_account(sales_engine, "admin"), page="ask")
    choices = at.multiselect(key="ask_allowed_tables")
    assert "elt_users" not in choices.options and "dest_sales" in choices.options
    choices.set_value(["dest_sales"])
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert hub_config.allowed_tables(sales_engine) == {"dest_sales"}
    at = _ask(at, "revenue by customer segment")
    assert any("segment" in shown(w.value) for w in at.warning)  # dim_customers is no longer allowed
