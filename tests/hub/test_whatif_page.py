"""The What if page through Streamlit's AppTest on a real warehouse: analysts run and save, users only read."""

from __future__ import annotations

import datetime as dt

import pytest

from elt_project.analytics.whatif.model import run_scenario
from elt_project.analytics.whatif.store import list_scenarios, save_scenario
from elt_project.auth import permissions
from elt_project.db import schema
from tests.analytics.test_whatif import DAYS, START, _spec, flat_orders
from tests.config_rows import insert_config
from tests.hub.conftest import logged_in_app, make_account, menu, shown

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels on perfectly flat series


def _texts(at) -> str:
    return " ".join(shown(m.value) for m in (*at.markdown, *at.caption, *at.success, *at.error))


@pytest.mark.slow
def test_an_analyst_adds_a_change_runs_and_saves_the_scenario(hub_env):
    flat_orders(hub_env)
    analyst = make_account(hub_env, "analyst")
    at = logged_in_app(analyst, page="whatif")
    assert not at.exception and at.title[0].value == "What if?"
    at.selectbox(key="whatif_table").set_value("orders").run()
    at.number_input(key="whatif_horizon").set_value(14).run()
    at.selectbox(key="whatif_dimension").set_value("channel").run()
    at.selectbox(key="whatif_value").set_value("Partner").run()
    at.selectbox(key="whatif_kind").set_value("drop").run()
    at.button(key="whatif_add").click().run()
    assert "drop channel=Partner" in _texts(at)
    at.selectbox(key="whatif_value").set_value("Online").run()  # the goal's segment is the one picked above
    at.number_input(key="whatif_target").set_value(4200.0).run()
    at.date_input(key="whatif_by").set_value(START + dt.timedelta(DAYS + 13)).run()
    at.button(key="whatif_run").click().run(timeout=120)
    assert not at.exception, at.exception
    assert [m.label for m in at.metric] == ["Baseline", "Scenario", "Volume / rate"]
    assert at.metric[1].value == "11,200" and at.metric[1].delta == "-2,800"  # 14 days x (1000 - 200)
    assert len(at.get("plotly_chart")) == 1
    # Online forecasts 300 a day: 14 x 300 x (1 + g) = 4200 needs no growth.
    assert "To reach 4,200.00 for channel=Online by" in _texts(at) and "needs +0.0% growth" in _texts(at)
    at.text_input(key="whatif_name").set_value("No partner <b>channel</b>").run()
    at.button(key="whatif_save").click().run(timeout=120)
    assert not at.exception
    assert "Saved as No partner <b>channel</b>." in _texts(at)
    [saved] = list_scenarios(hub_env, None)
    assert (saved.name, saved.created_by) == ("No partner <b>channel</b>", analyst.username)
    assert at.selectbox(key="whatif_saved").value == "No partner <b>channel</b>"


@pytest.mark.slow
def test_a_user_reads_saved_scenarios_but_can_neither_run_nor_save(hub_env):
    flat_orders(hub_env)
    result = run_scenario(hub_env, _spec("channel=Online:volume:+10%", horizon=14))
    save_scenario(hub_env, result, "Online push", make_account(hub_env, "analyst"))
    user = make_account(hub_env, "user")
    at = logged_in_app(user)
    assert "whatif" in menu(at)
    at = logged_in_app(user, page="whatif")
    assert not at.exception
    keys = {b.key for b in at.button}
    assert not keys & {"whatif_run", "whatif_save", "whatif_add"}
    assert at.selectbox(key="whatif_saved").value == "Online push"
    assert "channel=Online volume +10%" in _texts(at)
    assert "No day after the scenario's forecast basis has been loaded yet." in _texts(at)
    assert len(at.get("plotly_chart")) == 1


@pytest.mark.slow
def test_pipeline_grants_limit_tables_and_saved_scenarios(hub_env):
    flat_orders(hub_env)
    from tests.analytics.test_whatif import _table

    _table(hub_env, "payroll")
    with hub_env.begin() as conn:
        for group, table in (("Sales", "orders"), ("Finance", "payroll")):
            insert_config(conn, pipeline_name=group, import_name=f"{table}_csv", destination_table=table,
                          staging_table=f"stg_{table}", monitored_directory="/inbox")  # fmt: skip
    owner_result = run_scenario(hub_env, _spec("channel=Online:volume:+10%", horizon=14))
    save_scenario(hub_env, owner_result, "Sales plan", None)
    with hub_env.begin() as conn:  # a scenario on the Finance table, as if saved by someone granted Finance
        row = conn.execute(schema.analytics_scenarios.select()).mappings().one()
        copy = {k: v for k, v in row.items() if k != "id"}
        conn.execute(schema.analytics_scenarios.insert().values({**copy, "name": "Payroll plan",
                                                                  "table_name": "payroll"}))  # fmt: skip
    analyst = make_account(hub_env, "analyst")
    permissions.grant(hub_env, analyst.username, "Sales")
    at = logged_in_app(analyst, page="whatif")
    assert not at.exception
    assert at.selectbox(key="whatif_table").options == ["orders"]
    assert at.selectbox(key="whatif_saved").options == ["Sales plan"]
