"""A real browser on the real hub with a language model configured (a local stand-in server: no
real model can run in the tests): Home's story worded by it, the auto-dashboard arranged by it."""

from __future__ import annotations

import json

import pytest

from elt_project.analytics import hub_config
from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.analytics.story import table_story
from tests.analytics.llm_stand_in import StandInLlm
from tests.analytics.signals import add_analytics_config, create_sales
from tests.browser import shoot, wait_for
from tests.hub.browser import log_in, running_hub
from tests.hub.conftest import make_account
from tests.hub.test_insight_pages import _sales


def _model(messages: list[dict]) -> str:
    """Rewords a story by leading with "In short:"; keeps the last two charts of a dashboard, last first."""
    asked = messages[-1]["content"]
    if "Candidate charts:" not in asked:
        return f"In short: {asked}"
    numbers = [int(line.split(".")[0]) for line in asked.splitlines() if line[:1].isdigit()]
    return json.dumps({"charts": [{"id": numbers[-1], "reason": "The stand-in model put this first."},
                                  {"id": numbers[-2]}]})  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_browser_stand_in_llm_words_the_story_and_arranges_the_dashboard(hub_env, settings, browser):
    create_sales(hub_env, _sales())
    add_analytics_config(hub_env, model_type="forecast")
    run_predictive_analytics(hub_env, settings, options=ForecastOptions(engine="holt_winters"), attach_story=False)
    hub_config.set_option(hub_env, hub_config.LLM_SEES_ROWS, "1")
    make_account(hub_env, "analyst", "ann")
    template = table_story(hub_env, "sales").text
    with StandInLlm(_model) as server:
        extra = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.base_url}
        with running_hub(settings, extra) as url:
            log_in(browser, url, "ann")
            wait_for(browser, '[data-testid="stCaptionContainer"]', text="worded by the language model")
            body = browser.find_element("css selector", "body").text
            assert f"In short: {template}" in body
            shoot(browser, "hub_home_story_llm")

            wait_for(browser, '[data-testid="stSidebarNavLink"]', text="Auto-dashboard").click()
            wait_for(browser, '[data-testid="stCaptionContainer"]', text="arranged by the language model")
            wait_for(browser, ".js-plotly-plot")
            captions = [e.text for e in browser.find_elements("css selector", '[data-testid="stCaptionContainer"]')]
            assert "Why this chart: The stand-in model put this first." in captions
            assert len(browser.find_elements("css selector", ".js-plotly-plot")) == 2
            shoot(browser, "hub_dashboard_llm", settle_s=2)
    assert {r["model"] for r in server.requests} == {settings.openai_model}
