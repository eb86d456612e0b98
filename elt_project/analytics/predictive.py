"""The batch run behind ``run_predictive_analytics`` and ``elt analytics run``.

For each active ``analytics_config`` row: the daily series is aggregated in the
database, the row's model type runs on it, and its history and forecast replace
the row's previous predictions in one transaction (a reader sees the old set or
the new one, never half). New anomalies of the last few days are posted to the
row's webhook, once each.

Rows on the same series share one fit. Series are fitted on worker processes
(see :mod:`elt_project.analytics.model_pool`) while this process reads the next
series and writes each result as it arrives.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.alerts import Anomaly, RetryPolicy, send_alerts
from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.model_pool import FitJob, run_jobs
from elt_project.analytics.models import get_model
from elt_project.analytics.tables import daily_series
from elt_project.db.dialects import insert_columns
from elt_project.db.schema import analytics_config, analytics_predictions
from elt_project.errors import EltError
from elt_project.settings import Settings

log = logging.getLogger(__name__)

#: Anomalies older than this (counted back from the newest day of the series) are
#: stored but not posted: a first run over two years of history must not flood a channel.
ALERT_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class AnalyticsConfig:
    id: int
    target_table: str
    date_column: str
    value_column: str
    model_type: str
    alert_webhook_url: str | None

    @property
    def series_key(self) -> tuple[str, str, str]:
        return (self.target_table, self.date_column, self.value_column)

    def describe(self) -> str:
        return f"analytics_config id={self.id} ({self.model_type} of {self.target_table}.{self.value_column})"


@dataclass
class ConfigOutcome:
    config: AnalyticsConfig
    rows_written: int = 0
    anomaly_days: list[dt.date] = field(default_factory=list)
    alerts_sent: int = 0
    alerts_failed: int = 0
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"{self.config.describe()}: FAILED: {self.error}"
        alerts = f", alerts sent {self.alerts_sent}" + (f", failed {self.alerts_failed}" if self.alerts_failed else "")
        found = len(self.anomaly_days)
        return (
            f"{self.config.describe()}: {self.rows_written} rows written, "
            f"{found} {'anomaly' if found == 1 else 'anomalies'}{alerts if self.config.alert_webhook_url else ''}"
        )


@dataclass
class RunReport:
    run_id: str
    outcomes: list[ConfigOutcome]

    @property
    def failed(self) -> list[ConfigOutcome]:
        return [o for o in self.outcomes if o.error]


def hub_url(settings: Settings) -> str:
    """The address alerts link to: ANALYTICS_PUBLIC_URL, or the hub on this machine."""
    return settings.analytics_public_url or settings.service_url(settings.hub_port)


def active_configs(engine: Engine, config_id: int | None = None) -> list[AnalyticsConfig]:
    """Active rows of analytics_config (or the one row ``config_id``, active or not)."""
    table = analytics_config
    query = sa.select(table).order_by(table.c.id)
    query = query.where(table.c.id == config_id) if config_id is not None else query.where(table.c.is_active == 1)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    if config_id is not None and not rows:
        raise EltError(f"analytics_config has no row with id {config_id}; check the id in the configuration page.")
    return [
        AnalyticsConfig(
            id=r["id"],
            target_table=r["target_table"],
            date_column=r["date_column"],
            value_column=r["value_column"],
            model_type=r["model_type"],
            alert_webhook_url=r["alert_webhook_url"] or None,
        )
        for r in rows
    ]


def run_predictive_analytics(
    engine: Engine,
    settings: Settings,
    *,
    run_id: str | None = None,
    config_id: int | None = None,
    options: ForecastOptions | None = None,
    history_days: int | None = None,
    retry: RetryPolicy | None = None,
    workers: int | None = None,
    attach_story: bool = True,
) -> RunReport:
    """Run every active config (or one); one failing config does not stop the others.

    ``options`` default to the settings' forecast horizon (FORECAST_HORIZON_DAYS) and a 90% interval;
    ``history_days`` to ANALYTICS_HISTORY_DAYS (unset: the whole history, at most 10 years).
    """
    run_id = run_id or uuid.uuid4().hex
    options = options or ForecastOptions(horizon=settings.forecast_horizon_days)
    retry = retry or RetryPolicy()
    history_days = history_days or settings.analytics_history_days
    configs = active_configs(engine, config_id)
    outcomes = {c.id: ConfigOutcome(c) for c in configs}
    groups: dict[tuple[str, str, str], list[AnalyticsConfig]] = {}
    for config in configs:
        try:
            get_model(config.model_type)
        except EltError as exc:
            outcomes[config.id].error = str(exc)
            continue
        groups.setdefault(config.series_key, []).append(config)

    jobs, read_errors = [], []
    for group in groups.values():
        first = group[0]
        try:
            series = daily_series(
                engine, first.target_table, first.date_column, first.value_column, history_days=history_days
            )
        except EltError as exc:
            read_errors.extend((c, None, str(exc)) for c in group)
            continue
        jobs.append((group, FitJob(series, tuple(c.model_type for c in group), options)))

    def fitted():
        yield from read_errors
        for (group, _job), results in zip(jobs, run_jobs([job for _group, job in jobs], workers)):
            for config, (_name, frame, error) in zip(group, results):
                yield config, frame, error

    for config, frame, error in fitted():
        outcome = outcomes[config.id]
        if error is not None:
            outcome.error = error
            log.warning("%s failed: %s", config.describe(), error)
            continue
        outcome.rows_written = write_predictions(engine, config, frame, run_id)
        anomalies = frame[frame["is_anomaly"]]
        outcome.anomaly_days = [d.date() for d in anomalies["date"]]
        if config.alert_webhook_url and not anomalies.empty:
            _alert(engine, settings, config, frame, outcome, retry, attach_story)
    return RunReport(run_id, [outcomes[c.id] for c in configs])


def write_predictions(engine: Engine, config: AnalyticsConfig, frame: pd.DataFrame, run_id: str) -> int:
    """Replace the config's predictions with ``frame`` in one transaction."""
    count = len(frame)
    columns = {
        "run_id": [run_id] * count,
        "config_id": [config.id] * count,
        "target_table": [config.target_table] * count,
        "model_type": [config.model_type] * count,
        "prediction_date": list(pd.DatetimeIndex(frame["date"]).to_pydatetime()),
        "actual_value": _numbers(frame["actual"]),
        "predicted_value": _numbers(frame["predicted"]),
        "lower_bound": _numbers(frame["lower"]),
        "upper_bound": _numbers(frame["upper"]),
        "is_anomaly": frame["is_anomaly"].astype(bool).astype(int).tolist(),
        "anomaly_score": _numbers(frame["score"]),
    }
    with engine.begin() as conn:
        conn.execute(analytics_predictions.delete().where(analytics_predictions.c.config_id == config.id))
        return insert_columns(conn, analytics_predictions, columns)


def _numbers(values: pd.Series) -> list[float | None]:
    """Python floats, with NaN (and missing) as None: the database gets NULL, never NaN."""
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return [None if math.isnan(v) else v for v in array.tolist()]


def _alert(
    engine: Engine,
    settings: Settings,
    config: AnalyticsConfig,
    frame: pd.DataFrame,
    outcome: ConfigOutcome,
    retry: RetryPolicy,
    attach_story: bool,
) -> None:
    history = frame[~frame["is_forecast"]]
    newest = history["date"].max()
    recent = frame[frame["is_anomaly"] & (frame["date"] > newest - pd.Timedelta(days=ALERT_LOOKBACK_DAYS))]
    anomalies = [
        Anomaly(config.id, config.target_table, config.value_column, r.date.date(), float(r.actual), float(r.predicted))
        for r in recent.itertuples(index=False)
    ]
    if not anomalies:
        return
    story = None
    if attach_story:
        from elt_project.analytics import llm_refine
        from elt_project.analytics.story import table_story

        try:
            told = table_story(engine, config.target_table, date_column=config.date_column, measure=config.value_column)
            llm_refine.polish_story(told, llm_refine.refinement_model(engine, settings, sees_data=True))
            story = told.text
        except EltError as exc:  # an alert without its story is still worth sending
            log.warning("No story for %s: %s", config.describe(), exc)
    for _anomaly, delivery in send_alerts(
        engine, config.alert_webhook_url, anomalies, hub_url(settings), story=story, policy=retry
    ):
        if delivery.ok:
            outcome.alerts_sent += 1
        else:
            outcome.alerts_failed += 1
