"""Fitting one daily series: Prophet when it can be imported, Holt-Winters otherwise.

Both give the same frame: one row per history day (actual, fitted value and its
interval) and one per future day (forecast and interval, no actual). Anomaly
detection reads the history part; the forecast model stores both.

Prophet runs with few uncertainty samples (the default 1,000 dominates its run
time) and its Stan log silenced. Holt-Winters is statsmodels' additive model with
a damped trend and weekly season; its interval is the textbook h-step variance of
that model from the in-sample residuals.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from elt_project.errors import ConfigurationError

FRAME_COLUMNS = ["date", "actual", "predicted", "lower", "upper", "is_forecast"]
PROPHET_UNCERTAINTY_SAMPLES = 40
MIN_HISTORY_DAYS = 14
WEEK = 7


@dataclass(frozen=True)
class ForecastOptions:
    """How a series is fitted: days ahead, interval width, and which engine."""

    horizon: int = 30
    interval_width: float = 0.9
    engine: str = "auto"  # "auto" | "prophet" | "holt_winters"


@cache
def prophet_available() -> bool:
    """True when Prophet and its Stan backend import (checked once per process)."""
    try:
        import prophet  # noqa: F401
    except Exception:  # a broken cmdstan install raises all sorts of errors at import
        return False
    from cmdstanpy.utils.logging import get_logger

    get_logger()  # installs cmdstanpy's handler and level now, so the level set below sticks
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return True


def engine_for(options: ForecastOptions) -> str:
    if options.engine == "auto":
        return "prophet" if prophet_available() else "holt_winters"
    if options.engine not in ("prophet", "holt_winters"):
        raise ConfigurationError(f"Unknown forecast engine '{options.engine}'; use auto, prophet or holt_winters.")
    if options.engine == "prophet" and not prophet_available():
        raise ConfigurationError("Prophet cannot be imported here; use the holt_winters engine or install prophet.")
    return options.engine


def fit_series(series: pd.Series, options: ForecastOptions = ForecastOptions()) -> pd.DataFrame:
    """History and forecast of a daily ``series`` (DatetimeIndex, float values; NaN = unknown) as one frame."""
    history = series.dropna()
    if len(history) < MIN_HISTORY_DAYS:
        raise ConfigurationError(
            f"Series '{series.name}' has {len(history)} days of data; a model needs at least {MIN_HISTORY_DAYS}."
        )
    if engine_for(options) == "prophet":
        return _fit_prophet(history, series.index, options)
    return _fit_holt_winters(history, series.index, options)


def _fit_prophet(history: pd.Series, days: pd.DatetimeIndex, options: ForecastOptions) -> pd.DataFrame:
    """Fit on the known days; predict every day of ``days`` (gaps included) and the horizon."""
    from prophet import Prophet

    frame = pd.DataFrame({"ds": history.index, "y": history.to_numpy()})
    model = Prophet(
        interval_width=options.interval_width,
        uncertainty_samples=PROPHET_UNCERTAINTY_SAMPLES,
        daily_seasonality=False,
        yearly_seasonality=(history.index[-1] - history.index[0]).days >= 2 * 365,
    )
    model.fit(frame)
    ahead = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=options.horizon, freq="D")
    future = pd.DataFrame({"ds": days.append(ahead)})
    predicted = model.predict(future)
    result = pd.DataFrame(
        {
            "date": predicted["ds"].to_numpy(),
            "predicted": predicted["yhat"].to_numpy(),
            "lower": predicted["yhat_lower"].to_numpy(),
            "upper": predicted["yhat_upper"].to_numpy(),
        }
    )
    return _with_actuals(result, history, days[-1])


def _fit_holt_winters(history: pd.Series, days: pd.DatetimeIndex, options: ForecastOptions) -> pd.DataFrame:
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    every_day = pd.date_range(days[0], days[-1], freq="D")
    regular = history.reindex(every_day).interpolate(limit_direction="both")  # the model needs every day
    seasonal = "add" if len(regular) >= 2 * WEEK + 2 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the fit is checked through its residuals
        fit = ExponentialSmoothing(
            regular,
            trend="add",
            damped_trend=True,
            seasonal=seasonal,
            seasonal_periods=WEEK if seasonal else None,
            initialization_method="estimated",
        ).fit()
    fitted = fit.fittedvalues.to_numpy()
    sigma = float(np.std(regular.to_numpy() - fitted, ddof=1))
    z = _normal_quantile(0.5 + options.interval_width / 2)
    future_index = pd.date_range(regular.index[-1] + pd.Timedelta(days=1), periods=options.horizon, freq="D")
    future = fit.forecast(options.horizon).to_numpy()
    spread = z * sigma * _holt_winters_spread(fit.params, options.horizon, seasonal is not None)
    result = pd.DataFrame(
        {
            "date": np.concatenate([regular.index.to_numpy(), future_index.to_numpy()]),
            "predicted": np.concatenate([fitted, future]),
            "lower": np.concatenate([fitted - z * sigma, future - spread]),
            "upper": np.concatenate([fitted + z * sigma, future + spread]),
        }
    )
    return _with_actuals(result, history, regular.index[-1])


def _holt_winters_spread(params: dict, horizon: int, seasonal: bool) -> np.ndarray:
    """sqrt(1 + sum c_j^2) for h = 1..horizon: the additive damped Holt-Winters h-step variance factor."""
    alpha = float(params.get("smoothing_level") or 0.0)
    beta = float(params.get("smoothing_trend") or 0.0)
    gamma = float(params.get("smoothing_seasonal") or 0.0) if seasonal else 0.0
    phi = float(params.get("damping_trend") or 1.0)
    factors = np.empty(horizon)
    total = 1.0
    damped = 0.0
    for h in range(1, horizon + 1):
        factors[h - 1] = math.sqrt(total)
        damped += phi**h
        c = alpha * (1 + beta * damped) + (gamma if seasonal and h % WEEK == 0 else 0.0)
        total += c * c
    return factors


def _normal_quantile(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def _with_actuals(result: pd.DataFrame, history: pd.Series, last_day: pd.Timestamp) -> pd.DataFrame:
    result["date"] = pd.to_datetime(result["date"])
    actual = history.reindex(pd.DatetimeIndex(result["date"]))
    result["actual"] = actual.to_numpy()
    result["is_forecast"] = result["date"] > last_day
    return result[FRAME_COLUMNS].reset_index(drop=True)
