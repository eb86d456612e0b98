"""A configured model may arrange dashboards and reword stories, against a local stand-in server
(no real model can run in the tests); whatever it gets wrong, the rules' result stands."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from elt_project.analytics import hub_config, llm_refine
from elt_project.analytics.dashboard import build_dashboard
from elt_project.analytics.nl2sql.llm import LlmConfig
from elt_project.analytics.story import Story, table_story
from elt_project.settings import load_settings
from tests.analytics.llm_stand_in import StandInLlm
from tests.analytics.signals import create_sales
from tests.analytics.test_dashboard_story import _sales

ORIGINAL = [
    "In the 7 days to 2025-01-28, amount fell 12% to 8,412.50 against the 7 days before.",
    "The biggest movers were West × Online (-1,025.40).",
]


@pytest.fixture(autouse=True)
def _fresh_replies(monkeypatch):
    monkeypatch.setattr(llm_refine, "_REPLIES", {})


def _llm(server: StandInLlm) -> LlmConfig:
    return LlmConfig("sk-test", "stand-in-model", server.base_url, timeout_s=5)


def _story() -> Story:
    import datetime as dt

    return Story("sales", "amount", dt.date(2025, 1, 22), dt.date(2025, 1, 28), sentences=list(ORIGINAL))


def test_stand_in_llm_rewording_that_keeps_every_figure_is_used():
    reworded = (
        "Amount fell 12% in the 7 days to 2025-01-28, to 8412.50 against the 7 days before; "
        "West × Online moved most (-1,025.40)."
    )
    with StandInLlm([reworded]) as server:
        story = _story()
        note = llm_refine.polish_story(story, _llm(server))
        again = _story()
        llm_refine.polish_story(again, _llm(server))  # the same text is not asked twice
    assert note.applied and story.text == reworded and again.text == reworded
    assert len(server.requests) == 1
    assert server.requests[0]["messages"][-1]["content"] == " ".join(ORIGINAL)


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("Amount fell 15% to 8,412.50 in the 7 days to 2025-01-28; West × Online moved -1,025.40.",
         "it changed or added figures (15)"),
        ("Amount fell 12% in the 7 days to 2025-01-28 against the 7 days before.", "it left out figures"),
        ("Amount fell 12% to 8,412.50 in the 7 days to 2025-01-28. West × Online -1,025.40. "
         "[Details](http://example.com)", "it held markup or a link"),
        ("", "it was empty"),
    ],
)  # fmt: skip
def test_stand_in_llm_rewording_that_changes_figures_or_adds_links_is_refused(reply, problem):
    with StandInLlm([reply or " "]) as server:
        story = _story()
        note = llm_refine.polish_story(story, _llm(server))
    assert not note.applied and problem in note.note
    assert story.text == " ".join(ORIGINAL)


def test_an_unreachable_model_leaves_the_template_wording():
    story = _story()
    note = llm_refine.polish_story(story, LlmConfig("sk", "m", "http://127.0.0.1:9/v1", timeout_s=2))
    assert not note.applied and note.note.startswith("Written from the numbers by templates. The language model")
    assert story.text == " ".join(ORIGINAL)


def test_stand_in_llm_arranges_only_the_charts_the_rules_chose(engine):
    create_sales(engine, _sales())
    rules = build_dashboard(engine, "sales")
    kinds = [c.kind for c in rules.charts]
    reply = json.dumps({"charts": [{"id": 3, "reason": "Which region earns most."}, {"id": 1}]})
    with StandInLlm([f"Here you go:\n```json\n{reply}\n```"]) as server:
        board = build_dashboard(engine, "sales")
        note = llm_refine.refine_dashboard(board, _llm(server))
    assert note.applied and note.note == "Charts chosen by the profile rules, then arranged by the language model."
    assert [c.title for c in board.charts] == [rules.charts[2].title, rules.charts[0].title]
    assert board.charts[0].reason == "Which region earns most." and board.charts[1].reason == rules.charts[0].reason
    prompt = server.requests[0]["messages"][-1]["content"]
    assert "region: dimension" in prompt and all(kind in prompt for kind in kinds)
    assert "West" not in prompt and "Online" not in prompt  # names and counts only, no values


@pytest.mark.parametrize(
    "reply",
    [
        '{"charts": [{"id": 99}]}',
        '{"charts": [{"id": 1}, {"id": 1}]}',
        '{"charts": []}',
        "I would show a pie chart of SELECT * FROM elt_users",
    ],
)
def test_stand_in_llm_naming_charts_not_on_the_list_changes_nothing(engine, reply):
    create_sales(engine, _sales())
    rules = build_dashboard(engine, "sales")
    with StandInLlm([reply]) as server:
        board = build_dashboard(engine, "sales")
        note = llm_refine.refine_dashboard(board, _llm(server))
    assert not note.applied and "the language model's choice was not used" in note.note
    assert [(c.title, c.reason) for c in board.charts] == [(c.title, c.reason) for c in rules.charts]


def test_the_model_sees_story_figures_only_when_an_admin_allows(engine, tmp_path):
    create_sales(engine, _sales())
    settings = load_settings(env={}, env_file=tmp_path / "none.env", openai_api_key="sk-test",
                             openai_base_url="http://127.0.0.1:9/v1", data_dir=str(tmp_path),
                             transforms_dir=str(tmp_path))  # fmt: skip
    assert llm_refine.refinement_model(engine, settings, sees_data=True) is None
    assert llm_refine.refinement_model(engine, settings, sees_data=False) is not None
    hub_config.set_option(engine, hub_config.LLM_SEES_ROWS, "1")
    assert llm_refine.refinement_model(engine, settings, sees_data=True).model == settings.openai_model
    no_model = load_settings(env={}, env_file=tmp_path / "none.env", data_dir=str(tmp_path),
                             transforms_dir=str(tmp_path))  # fmt: skip
    assert llm_refine.refinement_model(engine, no_model, sees_data=False) is None
    story = table_story(engine, "sales")
    assert not llm_refine.polish_story(story, None).applied and story.polished is None


def _reword(messages: list[dict]) -> str:
    return f"In short: {messages[-1]['content']}"


def test_stand_in_llm_words_the_cli_story_unless_plain(engine, database_url, monkeypatch):
    from click.testing import CliRunner

    from elt_project.cli import main

    create_sales(engine, _sales(days=14))
    hub_config.set_option(engine, hub_config.LLM_SEES_ROWS, "1")
    with StandInLlm(_reword) as server:
        for name, value in {"DATABASE_URL": database_url, "OPENAI_API_KEY": "sk-test",
                            "OPENAI_BASE_URL": server.base_url}.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        worded = CliRunner().invoke(main, ["analytics", "story", "sales"])
        plain = CliRunner().invoke(main, ["analytics", "story", "sales", "--plain"])
    assert worded.exit_code == 0 and worded.stdout.startswith("In short: In the 7 days to 2025-01-14, amount")
    assert "worded by the language model" in worded.stderr
    assert plain.exit_code == 0 and plain.stdout.startswith("In the 7 days to 2025-01-14, amount")
    assert len(server.requests) == 1


def test_stand_in_llm_words_the_story_an_alert_carries(engine, settings, receiver):
    from elt_project.analytics.alerts import RetryPolicy
    from elt_project.analytics.forecasting import ForecastOptions
    from elt_project.analytics.predictive import run_predictive_analytics
    from tests.analytics.signals import add_analytics_config, daily_rows, trending_series

    values = trending_series(90)
    values[sorted(values)[-3]] *= 2.5
    create_sales(engine, daily_rows(values))
    hook = receiver()
    add_analytics_config(engine, model_type="anomaly_detection", alert_webhook_url=hook.url)
    hub_config.set_option(engine, hub_config.LLM_SEES_ROWS, "1")
    with StandInLlm(_reword) as server:
        key = SecretStr("sk-test")
        with_model = settings.model_copy(update={"openai_api_key": key, "openai_base_url": server.base_url})
        report = run_predictive_analytics(engine, with_model, options=ForecastOptions(engine="holt_winters"),
                                          retry=RetryPolicy(attempts=1, timeout_seconds=5))  # fmt: skip
    assert report.outcomes[0].alerts_sent == 1
    assert "In short: In the 7 days to" in hook.bodies[0]["text"]
