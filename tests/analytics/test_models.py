"""The model registry and the planted-signal cases: a spike is flagged, a trend's ends are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from elt_project.analytics import models
from elt_project.analytics.forecasting import ForecastOptions, fit_series, prophet_available
from elt_project.analytics.models import ModelContext, model_names, run_model
from elt_project.errors import ConfigurationError
from tests.analytics.signals import trending_series

NO_PROPHET = pytest.mark.skipif(not prophet_available(), reason="prophet not importable")
ENGINES = ["holt_winters", pytest.param("prophet", marks=NO_PROPHET)]


def _series(values: dict) -> pd.Series:
    return pd.Series(list(values.values()), index=pd.DatetimeIndex(list(values)), name="amount", dtype=float)


@pytest.mark.parametrize("engine", ENGINES)
def test_trending_series_has_no_anomalies_at_its_ends_where_raw_isolation_forest_has(engine):
    from sklearn.ensemble import IsolationForest

    series = _series(trending_series(365))
    frame = run_model("anomaly_detection", series, ModelContext(ForecastOptions(engine=engine)))
    assert not frame["is_anomaly"].any(), frame.loc[frame["is_anomaly"], "date"].tolist()
    # The naive model this one replaces: the forest on raw values flags the series' ends.
    raw = IsolationForest(contamination=0.02, random_state=0).fit_predict(series.to_numpy()[:, None])
    flagged = np.flatnonzero(raw == -1)
    assert len(flagged) and all(i < 14 or i > len(series) - 14 for i in flagged)


@pytest.mark.parametrize("engine", ENGINES)
def test_planted_spike_and_dip_are_flagged_and_nothing_else(engine):
    series = _series(trending_series(365))
    series.iloc[200] *= 2.0
    series.iloc[300] *= 0.4
    frame = run_model("anomaly_detection", series, ModelContext(ForecastOptions(engine=engine)))
    flagged = list(frame.loc[frame["is_anomaly"], "date"])
    assert flagged == [series.index[200], series.index[300]]
    spike = frame[frame["date"] == series.index[200]].iloc[0]
    assert spike["actual"] == series.iloc[200]  # actuals are stored as read, never the cleaned copy
    assert spike["actual"] > spike["upper"]


@pytest.mark.parametrize("engine", ENGINES)
def test_forecast_covers_history_and_horizon_with_an_interval(engine):
    series = _series(trending_series(120))
    frame = run_model("forecast", series, ModelContext(ForecastOptions(horizon=14, engine=engine)))
    future = frame[frame["is_forecast"]]
    assert len(future) == 14 and future["actual"].isna().all()
    assert (future["lower"] < future["predicted"]).all() and (future["predicted"] < future["upper"]).all()
    assert future["date"].iloc[0] == series.index[-1] + pd.Timedelta(days=1)
    # the trend goes on: the next two weeks sit above the last two weeks
    assert future["predicted"].mean() > series.iloc[-14:].mean()
    history = frame[~frame["is_forecast"]]
    inside = ((history["actual"] >= history["lower"]) & (history["actual"] <= history["upper"])).mean()
    assert inside > 0.75


def test_holt_winters_fills_gaps_for_the_fit_but_keeps_them_empty():
    values = trending_series(60)
    days = list(values)
    for day in days[20:23]:
        del values[day]
    frame = fit_series(_series(values), ForecastOptions(horizon=5, engine="holt_winters"))
    gap = frame[frame["date"].isin(pd.DatetimeIndex(days[20:23]))]
    assert len(gap) == 3 and gap["actual"].isna().all() and gap["predicted"].notna().all()


def test_short_series_is_refused_with_a_clear_message():
    with pytest.raises(ConfigurationError, match="at least 14"):
        fit_series(_series(dict(list(trending_series(10).items()))))


def test_a_new_model_is_one_function_and_one_registration(monkeypatch):
    monkeypatch.setattr(models, "_REGISTRY", dict(models._REGISTRY))

    @models.register_model("last_value", "Repeats the last value.")
    def last_value(series, context):
        return pd.DataFrame(
            {
                "date": series.index,
                "actual": series.to_numpy(),
                "predicted": series.iloc[-1],
                "lower": np.nan,
                "upper": np.nan,
                "is_anomaly": False,
                "score": np.nan,
                "is_forecast": False,
            }
        )

    assert "last_value" in model_names()
    frame = run_model("last_value", _series(trending_series(20)))
    assert (frame["predicted"] == frame["actual"].iloc[-1]).all()
    with pytest.raises(ConfigurationError, match="Unknown model_type 'xgboost'; use one of: "):
        run_model("xgboost", _series(trending_series(20)))
