"""On the demo's sales history: the planted region+channel drop and the planted spike are found.

Only the newest 160 days of the generated history are loaded (the batch models
read the newest 50,000 rows, about 145 days, anyway), which keeps the test short.
"""

from __future__ import annotations

import datetime as dt

import pytest

from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.analytics.root_cause import explain_change, summary
from elt_project.analytics.story import table_story
from elt_project.demo import domain, generate
from tests.analytics.signals import add_analytics_config

TODAY = dt.date(2026, 11, 27)
DAYS_LOADED = 160


def _load_recent_history(engine, story: generate.Story) -> None:
    domain.dest_sales.create(engine)
    first = story.history_end - dt.timedelta(days=DAYS_LOADED - 1)
    rows = [row for day in generate.history(story) for row in day if row["order_date"] >= first]
    with engine.begin() as conn:
        conn.execute(domain.dest_sales.insert(), rows)


@pytest.mark.slow
def test_demo_drop_spike_and_story(engine, settings):
    story = generate.story_for(TODAY)
    _load_recent_history(engine, story)

    for baseline in ("same_day_last_week", "previous_day"):
        result = explain_change(engine, "dest_sales", "amount", story.drop_date, baseline=baseline)
        top = result.drivers[0]
        assert top.segment == {"region": story.drop_region, "channel": story.drop_channel}, baseline
        assert top.kind == "mix"
    assert "West × Online" in summary(result) and "of its usual rows are missing" in summary(result)

    add_analytics_config(engine, target_table="dest_sales", model_type="forecast")
    add_analytics_config(engine, target_table="dest_sales", model_type="anomaly_detection")
    report = run_predictive_analytics(engine, settings, options=ForecastOptions(engine="holt_winters"))
    assert not report.failed
    anomalies = {o.config.model_type: o.anomaly_days for o in report.outcomes}["anomaly_detection"]
    assert anomalies == [story.spike_dates[-1]]  # the one spike inside the newest 50,000 rows

    text = table_story(engine, "dest_sales").text
    assert text.startswith(f"In the 7 days to {story.history_end.isoformat()}, amount ")
    assert "The forecast for the next 7 days points" in text
