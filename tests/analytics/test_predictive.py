"""The batch run on real SQLite and PostgreSQL: series in SQL, predictions replaced, alerts once."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from elt_project.analytics.alerts import RetryPolicy, post_webhook
from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.insights import series_views
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.analytics.tables import daily_series, to_date
from elt_project.db import schema
from elt_project.errors import ConfigurationError
from tests.analytics.signals import add_analytics_config, create_sales, daily_rows, trending_series

FAST = RetryPolicy(attempts=3, first_pause_seconds=0.01, timeout_seconds=5)
HW = ForecastOptions(horizon=10, engine="holt_winters")


def _spiked(days: int = 90, spike_from_end: int = 2) -> dict:
    values = trending_series(days)
    spike_day = sorted(values)[-1 - spike_from_end]
    values[spike_day] *= 2.5
    return values


def test_daily_series_reads_the_whole_history_per_day_bounded_by_days_not_rows(engine):
    """60,000 rows over 600 days: a row limit of 50,000 would have cut 100 days; a day window cuts by days."""
    start = dt.date(2024, 1, 1)
    rows = [
        {"order_date": start + dt.timedelta(days=d), "region": "N", "channel": "O", "amount": 1.5}
        for d in range(600)
        for _ in range(100)
    ]
    create_sales(engine, rows)
    full = daily_series(engine, "sales", "order_date", "amount")
    assert len(full) == 600 and full.index[0] == dt.datetime(2024, 1, 1)
    assert set(full.to_numpy()) == {150.0}
    window = daily_series(engine, "sales", "order_date", "amount", history_days=30)
    assert len(window) == 30 and window.index[0] == pd.Timestamp(start + dt.timedelta(days=570))
    assert set(window.to_numpy()) == {150.0}  # whole days, never a part of the first one


def test_daily_series_on_timestamps_groups_by_calendar_day(engine):
    table = sa.Table("events", sa.MetaData(), sa.Column("at", sa.DateTime), sa.Column("amount", sa.Float))
    table.create(engine)
    first = dt.datetime(2025, 3, 1, 0, 30)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"at": first + dt.timedelta(hours=6 * i), "amount": 1.0} for i in range(40)])
    series = daily_series(engine, "events", "at", "amount")
    assert list(series.to_numpy()) == [4.0] * 10
    assert list(daily_series(engine, "events", "at", "amount", history_days=2).to_numpy()) == [4.0, 4.0]


def test_the_batch_reads_the_history_window_from_the_settings(engine, settings):
    create_sales(engine, daily_rows(trending_series(120)))
    config_id = add_analytics_config(engine, model_type="forecast")
    settings = settings.model_copy(update={"analytics_history_days": 60})
    report = run_predictive_analytics(engine, settings, options=HW)
    assert {o.config.id: o.rows_written for o in report.outcomes} == {config_id: 60 + 10}


def test_bad_config_names_are_refused_in_one_sentence(engine):
    create_sales(engine, daily_rows(trending_series(20)))
    with pytest.raises(ConfigurationError, match="no column 'amt'"):
        daily_series(engine, "sales", "order_date", "amt")
    with pytest.raises(ConfigurationError, match="'region' of 'sales' is not numeric"):
        daily_series(engine, "sales", "order_date", "region")
    with pytest.raises(ConfigurationError, match="Table 'nope' does not exist"):
        daily_series(engine, "nope", "order_date", "amount")


def test_run_writes_history_and_forecast_and_replaces_them_next_time(engine, settings):
    create_sales(engine, daily_rows(_spiked()))
    forecast_id = add_analytics_config(engine, model_type="forecast")
    anomaly_id = add_analytics_config(engine, model_type="anomaly_detection")
    broken_id = add_analytics_config(engine, model_type="anomaly_detection", value_column="missing")
    add_analytics_config(engine, model_type="forecast", is_active=0)

    report = run_predictive_analytics(engine, settings, run_id="r1", options=HW)
    by_id = {o.config.id: o for o in report.outcomes}
    assert set(by_id) == {forecast_id, anomaly_id, broken_id}
    assert by_id[forecast_id].rows_written == 90 + 10
    assert by_id[anomaly_id].anomaly_days == [sorted(_spiked())[-3]]
    assert "no column 'missing'" in by_id[broken_id].error and report.failed == [by_id[broken_id]]

    run_predictive_analytics(engine, settings, run_id="r2", options=HW)
    p = schema.analytics_predictions
    with engine.connect() as conn:
        runs = dict(conn.execute(sa.select(p.c.config_id, sa.func.count()).group_by(p.c.config_id)).all())
        run_ids = set(conn.execute(sa.select(p.c.run_id).distinct()).scalars())
        future = conn.execute(
            sa.select(sa.func.count()).where(p.c.config_id == forecast_id, p.c.actual_value.is_(None))
        ).scalar()
    assert runs == {forecast_id: 100, anomaly_id: 90} and run_ids == {"r2"} and future == 10

    views = {v.value_column: v for v in series_views(engine)}
    assert views["missing"].frame.empty  # shown, with nothing to draw yet
    view = views["amount"]
    assert len(view.frame) == 100 and list(view.anomalies["date"].dt.date) == [sorted(_spiked())[-3]]


def test_new_anomaly_is_posted_once_after_retries_and_never_again(engine, settings, receiver):
    hook = receiver([500, 500])  # two failures, then the third attempt lands
    create_sales(engine, daily_rows(_spiked()))
    config_id = add_analytics_config(engine, model_type="anomaly_detection", alert_webhook_url=hook.url)

    first = run_predictive_analytics(engine, settings, options=HW, retry=FAST)
    assert first.outcomes[0].alerts_sent == 1 and len(hook.bodies) == 3
    text = hook.bodies[-1]["text"]
    spike_day = sorted(_spiked())[-3].isoformat()
    assert set(hook.bodies[-1]) == {"text"}  # the shape Slack and Teams incoming webhooks both accept
    assert f"sales.amount on {spike_day}" in text
    assert f"http://127.0.0.1:8501/why?table=sales&measure=amount&date={spike_day}" in text
    assert "In the 7 days to" in text  # the table's story rides along

    second = run_predictive_analytics(engine, settings, options=HW, retry=FAST)
    assert second.outcomes[0].alerts_sent == 0 and len(hook.bodies) == 3
    with engine.connect() as conn:
        alert = conn.execute(sa.select(schema.analytics_alerts)).mappings().one()
    assert alert["config_id"] == config_id and alert["status"] == "sent" and alert["attempts"] == 3


def test_failed_delivery_is_retried_by_the_next_run_and_old_anomalies_are_not_posted(engine, settings, receiver):
    hook = receiver([500, 500, 500])
    values = _spiked()
    values[sorted(values)[30]] *= 3  # far in the past: stored, not posted
    create_sales(engine, daily_rows(values))
    add_analytics_config(engine, model_type="anomaly_detection", alert_webhook_url=hook.url)

    first = run_predictive_analytics(engine, settings, options=HW, retry=FAST, attach_story=False)
    assert len(first.outcomes[0].anomaly_days) == 2
    assert first.outcomes[0].alerts_failed == 1 and len(hook.bodies) == 3
    second = run_predictive_analytics(engine, settings, options=HW, retry=FAST, attach_story=False)
    assert second.outcomes[0].alerts_sent == 1 and len(hook.bodies) == 4
    third = run_predictive_analytics(engine, settings, options=HW, retry=FAST, attach_story=False)
    assert third.outcomes[0].alerts_sent == 0 and len(hook.bodies) == 4


def test_client_errors_are_not_retried(receiver):
    hook = receiver([404])
    delivery = post_webhook(hook.url, {"text": "x"}, FAST)
    assert not delivery.ok and delivery.attempts == 1 and "HTTP 404" in delivery.error
    dead = post_webhook("http://127.0.0.1:9/hook", {"text": "x"}, FAST)  # nothing listens on port 9
    assert not dead.ok and dead.attempts == 3 and "could not reach" in dead.error


def test_cli_run_one_config_and_exit_status(engine, database_url, monkeypatch):
    from click.testing import CliRunner

    from elt_project.cli import main

    create_sales(engine, daily_rows(_spiked(40)))
    good = add_analytics_config(engine, model_type="anomaly_detection")
    bad = add_analytics_config(engine, model_type="xgboost")
    monkeypatch.setenv("DATABASE_URL", database_url)
    one = CliRunner().invoke(main, ["analytics", "run", "--config", str(good)])
    assert one.exit_code == 0, one.output
    expected = f"analytics_config id={good} (anomaly_detection of sales.amount): 40 rows written, 1 anomaly"
    assert one.output.strip() == expected
    both = CliRunner().invoke(main, ["analytics", "run"])
    assert both.exit_code == 1
    assert f"analytics_config id={bad} (xgboost of sales.amount): FAILED: Unknown model_type 'xgboost'" in both.output
    missing = CliRunner().invoke(main, ["analytics", "run", "--config", "999"])
    assert missing.exit_code == 1 and "analytics_config has no row with id 999" in missing.output
    models = CliRunner().invoke(main, ["analytics", "models"])
    assert models.output.startswith("anomaly_detection: ") and "\nforecast: " in models.output


def test_forecast_horizon_comes_from_the_settings_or_the_command_line(engine, database_url, monkeypatch):
    from click.testing import CliRunner

    from elt_project.cli import main

    create_sales(engine, daily_rows(trending_series(40)))
    config_id = add_analytics_config(engine, model_type="forecast")
    monkeypatch.setenv("DATABASE_URL", database_url)
    default = CliRunner().invoke(main, ["analytics", "run"])
    assert default.exit_code == 0 and "40 rows written" not in default.output and "70 rows written" in default.output
    monkeypatch.setenv("FORECAST_HORIZON_DAYS", "7")
    assert "47 rows written" in CliRunner().invoke(main, ["analytics", "run"]).output
    once = CliRunner().invoke(main, ["analytics", "run", "--horizon", "90"])
    assert once.exit_code == 0 and "130 rows written, 0 anomalies" in once.output
    p = schema.analytics_predictions
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(p.c.prediction_date)).where(p.c.config_id == config_id)).scalar()
    assert to_date(newest) == max(trending_series(40)) + dt.timedelta(days=90)
    refused = CliRunner().invoke(main, ["analytics", "run", "--horizon", "0"])
    assert refused.exit_code == 2 and "0 is not in the range 1<=x<=3660" in refused.output
