"""Insights, Why did it change and Auto-dashboard pages driven by Streamlit's AppTest on a real warehouse."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.hub.session import ACCOUNT_KEY
from tests.analytics.signals import CHANNELS, REGIONS, add_analytics_config, create_sales
from tests.hub.conftest import logged_in_app, make_account, menu, open_page, shown

START = dt.date(2025, 3, 1)
DAYS = 60
DROP_DAY = START + dt.timedelta(days=DAYS - 3)


def _sales() -> list[dict]:
    """60 days of orders; West × Online collapses on DROP_DAY and the whole table spikes 5 days earlier."""
    rng = np.random.default_rng(9)
    rows = []
    for d in range(DAYS):
        day = START + dt.timedelta(days=d)
        for region in REGIONS:
            for channel in CHANNELS:
                count = 8 if (day == DROP_DAY and (region, channel) == ("West", "Online")) else 80
                if d == DAYS - 8:
                    count *= 3
                amounts = rng.uniform(15, 25, size=count)
                rows += [
                    {"order_date": day, "region": region, "channel": channel, "amount": round(float(a), 2)}
                    for a in amounts
                ]
    return rows


@pytest.fixture
def seeded(hub_env, settings):
    create_sales(hub_env, _sales())
    add_analytics_config(hub_env, model_type="forecast")
    add_analytics_config(hub_env, model_type="anomaly_detection")
    run_predictive_analytics(hub_env, settings, options=ForecastOptions(engine="holt_winters"), attach_story=False)
    return hub_env


def _texts(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


@pytest.mark.slow
def test_insights_shows_each_series_and_its_anomalies_and_opens_why(seeded):
    analyst = make_account(seeded, "analyst")
    at = logged_in_app(analyst, page="insights")
    assert not at.exception
    assert [shown(s.value) for s in at.subheader] == ["sales.amount by order_date"]
    assert len(at.get("plotly_chart")) == 1
    spike = (START + dt.timedelta(days=DAYS - 8)).isoformat()
    # Both planted days are anomalies of the daily total: the tripled day and the day West x Online lost 9 in 10.
    why = [b for b in at.button if b.label.startswith("Why ")]
    assert sorted(b.label.split("?")[0] for b in why) == [f"Why {spike}", f"Why {DROP_DAY.isoformat()}"]
    [button] = [b for b in why if b.label.startswith(f"Why {spike}?")]
    button.click()
    at.run()
    assert not at.exception
    assert at.query_params["date"] == spike and at.query_params["table"] == "sales"
    assert at.title[0].value == "Why did it change?"
    assert at.date_input(key="why_day").value == dt.date.fromisoformat(spike)
    assert "Amount rose" in _texts(at)


@pytest.mark.slow
def test_why_page_names_the_planted_driver_from_the_query_string(hub_env):
    create_sales(hub_env, _sales())
    analyst = make_account(hub_env, "analyst")
    at = logged_in_app(analyst)
    at.query_params["table"] = "sales"
    at.query_params["measure"] = "amount"
    at.query_params["date"] = DROP_DAY.isoformat()
    open_page(at, "why")
    assert not at.exception
    text = _texts(at)
    assert "West × Online" in text and "9 in 10 of its usual rows are missing" in text
    assert at.dataframe[0].value.iloc[0]["Segment"] == "West × Online"
    at.radio(key="why_baseline").set_value("previous_day").run()
    assert not at.exception and "against the previous day" in _texts(at)


@pytest.mark.slow
def test_auto_dashboard_charts_each_with_a_reason(hub_env):
    create_sales(hub_env, _sales())
    at = logged_in_app(make_account(hub_env, "analyst"), page="auto_dashboard")
    assert not at.exception
    last = (START + dt.timedelta(days=DAYS - 1)).isoformat()
    assert [shown(m.label) for m in at.metric] == ["Rows", "Total amount", f"order date: {START.isoformat()} to {last}"]
    assert at.metric[-1].value == f"{DAYS} days"
    assert len(at.get("plotly_chart")) == 5
    reasons = [c.value for c in at.caption if c.value.startswith("Why this chart:")]
    assert len(reasons) == 5 and any("region has 4 values" in r for r in reasons)


def _render_insights():
    from elt_project.hub.pages import insights

    insights.render()


def _render_why():
    from elt_project.hub.pages import why

    why.render()


def _render_dashboard():
    from elt_project.hub.pages import auto_dashboard

    auto_dashboard.render()


def test_plain_users_neither_see_nor_open_the_analyst_pages(hub_env):
    user = make_account(hub_env, "user")
    at = logged_in_app(user)
    assert not {"insights", "why", "auto_dashboard"} & set(menu(at))
    assert {"insights", "why", "auto_dashboard"} <= set(menu(logged_in_app(make_account(hub_env, "analyst"))))
    for render in (_render_insights, _render_why, _render_dashboard):  # each page checks the role itself
        at = AppTest.from_function(render, default_timeout=60)
        at.session_state[ACCOUNT_KEY] = user
        at.run()
        assert not at.exception
        refusal = "This needs the analyst role or higher; your role is user. Ask an admin."
        assert [e.value for e in at.error] == [refusal]
        assert not at.title


@pytest.mark.slow
def test_home_tells_the_story_of_configured_tables(seeded):
    at = logged_in_app(make_account(seeded, "user"))
    assert not at.exception
    assert "What changed in sales" in [shown(s.value) for s in at.subheader]
    assert any(m.value.startswith("In the 7 days to") for m in at.markdown)
