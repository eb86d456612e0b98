"""Fitting one series: the calibrated statistical engine by default, Prophet when asked for.

Both give the same frame: one row per history step (actual, fitted value and its
interval) and one per future step (forecast and interval, no actual). Anomaly
detection reads the history part; the forecast model stores both.

The series is read per day, but a table loaded once a week or once a month gives
one point a week or a month: the step is inferred from the dates, and the model
runs on that step with its season (7 days, 52 weeks, 12 months) rather than on a
daily series that is mostly interpolation. The statistical engine backtests damped
Holt-Winters (plain and on a log scale) and seasonal naive, keeps the most accurate
and calibrates its 90% band on its own backtest errors (:mod:`.conformal`); it was
chosen over Prophet as the default because it was both more accurate and better
calibrated on the public series of ``bench/insights_eval.py``, and an order of
magnitude faster. Prophet runs with few uncertainty samples and its Stan log silenced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from elt_project.errors import ConfigurationError

FRAME_COLUMNS = ["date", "actual", "predicted", "lower", "upper", "is_forecast"]
PROPHET_UNCERTAINTY_SAMPLES = 40
MIN_HISTORY_DAYS = 14
#: step name -> (days per step, season length in steps)
STEPS = {"day": (1.0, 7), "week": (7.0, 52), "month": (365.25 / 12, 12)}
CANDIDATES = ["holt_winters", "log_holt_winters", "seasonal_naive"]
ENGINES = ("auto", "statistical", "holt_winters", "prophet")


@dataclass(frozen=True)
class ForecastOptions:
    """How a series is fitted: days ahead, interval width, and which engine."""

    horizon: int = 30
    interval_width: float = 0.9
    engine: str = "auto"  # "auto" | "statistical" (alias "holt_winters") | "prophet"


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
    if options.engine not in ENGINES:
        raise ConfigurationError(f"Unknown forecast engine '{options.engine}'; use auto, statistical or prophet.")
    if options.engine == "prophet" and not prophet_available():
        raise ConfigurationError("Prophet cannot be imported here; use the statistical engine or install prophet.")
    return "prophet" if options.engine == "prophet" else "statistical"


def step_of(index: pd.DatetimeIndex) -> str:
    """'day', 'week' or 'month': the typical gap between the series' dates."""
    if len(index) < 3:
        return "day"
    gap = float(np.median(np.diff(index.to_numpy().astype("datetime64[D]").astype(np.int64))))
    if 27 <= gap <= 32:
        return "month"
    if 6 <= gap <= 8:
        return "week"
    return "day"


def regular_positions(index: pd.DatetimeIndex, step: str) -> np.ndarray:
    """Each date's position on the regular grid of ``step`` that starts at the first date."""
    if step == "month":
        months = index.year * 12 + index.month
        return np.asarray(months - months[0])
    days = np.asarray((index - index[0]).days)
    return np.rint(days / STEPS[step][0]).astype(int)


def grid_dates(first: pd.Timestamp, count: int, step: str, month_end: bool) -> pd.DatetimeIndex:
    """``count`` dates of the regular grid from ``first``."""
    if step == "day":
        return pd.date_range(first, periods=count, freq="D")
    if step == "week":
        return pd.date_range(first, periods=count, freq="7D")
    start = first.to_period("M").start_time
    months = pd.date_range(start, periods=count, freq="MS")
    return months + pd.offsets.MonthEnd(0) if month_end else months


def fit_series(series: pd.Series, options: ForecastOptions = ForecastOptions()) -> pd.DataFrame:
    """History and forecast of ``series`` (DatetimeIndex, float values; NaN = unknown) as one frame."""
    history = series.dropna()
    if len(history) < MIN_HISTORY_DAYS:
        raise ConfigurationError(
            f"Series '{series.name}' has {len(history)} days of data; a model needs at least {MIN_HISTORY_DAYS}."
        )
    if engine_for(options) == "prophet":
        return _fit_prophet(history, series.index, options)
    return _fit_statistical(history, options)


def _fit_statistical(history: pd.Series, options: ForecastOptions) -> pd.DataFrame:
    from elt_project.analytics.conformal import fit_calibrated

    step = step_of(history.index)
    positions = regular_positions(history.index, step)
    month_end = step == "month" and bool(history.index.is_month_end.all())
    dates = grid_dates(history.index[0], int(positions[-1]) + 1, step, month_end)
    regular = pd.Series(np.nan, index=range(len(dates)))
    regular[positions] = history.to_numpy()
    values = regular.interpolate(limit_direction="both").to_numpy()
    days_per_step, season = STEPS[step]
    steps = max(1, round(options.horizon / days_per_step))  # 30 days: 1 month; 91 days: 13 weeks
    fit = fit_calibrated(values, season, steps, options.interval_width, CANDIDATES)
    fitted, low, high = fit.band(fit.fitted, fit.fitted_half_width)
    point, p_low, p_high = fit.band(fit.point, fit.half_width)
    future = grid_dates(dates[-1], steps + 1, step, month_end)[1:]
    actual = np.concatenate([regular.to_numpy(), np.full(steps, np.nan)])
    frame = pd.DataFrame(
        {
            "date": dates.append(future),
            "actual": actual,
            "predicted": np.concatenate([fitted, point]),
            "lower": np.concatenate([low, p_low]),
            "upper": np.concatenate([high, p_high]),
            "is_forecast": np.arange(len(actual)) >= len(dates),
        }
    )
    frame.attrs["model"] = fit.name
    return frame[FRAME_COLUMNS]


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
    result["date"] = pd.to_datetime(result["date"])
    result["actual"] = history.reindex(pd.DatetimeIndex(result["date"])).to_numpy()
    result["is_forecast"] = result["date"] > days[-1]
    return result[FRAME_COLUMNS].reset_index(drop=True)
