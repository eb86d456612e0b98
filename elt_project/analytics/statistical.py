"""The built-in forecasting models: damped Holt-Winters (plain and on a log scale) and seasonal naive.

Each model takes a regular series (one value per step, no gaps) and its season
length, and returns one-step fitted values for the history, point forecasts for
``h`` steps, and the *shape* of its uncertainty over those steps (a factor per
step, 1 at the first). The width itself is not taken from the model's own variance
formula, which assumes the model is right; it is calibrated on the model's
backtest errors (see :mod:`elt_project.analytics.conformal`).

The log-scale variant is there for series whose seasonal swing grows with their
level (sales, passengers): additive on the log is multiplicative on the values.
Seasonal naive is the yardstick every forecast must beat; it is also a candidate,
so a series on which smoothing does worse gets the yardstick rather than a worse model.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Prediction:
    fitted: np.ndarray  # one-step-ahead values for the history (NaN where the model has none)
    point: np.ndarray  # forecasts for steps 1..h
    spread: np.ndarray  # relative uncertainty for steps 1..h (1.0 at step 1)
    params: dict | None = None  # what the fit estimated, to rerun it on a shorter history without estimating


Model = Callable[..., Prediction]


def seasonal_naive(values: np.ndarray, season: int, h: int, params: dict | None = None) -> Prediction:
    """Each step repeats the value one season earlier (the last value when the history is shorter)."""
    m = season if len(values) > season else 1
    fitted = np.full(len(values), np.nan)
    fitted[m:] = values[:-m]
    last = values[-m:]
    point = np.array([last[(i % m)] for i in range(h)])
    spread = np.sqrt(np.arange(h) // m + 1.0)
    return Prediction(fitted, point, spread)


def holt_winters(values: np.ndarray, season: int, h: int, params: dict | None = None) -> Prediction:
    """statsmodels' additive Holt-Winters with a damped trend, seasonal when two seasons are known.

    With ``params`` (from an earlier fit on a longer or shorter prefix of the same
    series) nothing is estimated: the smoothing runs with those values, ~40x faster,
    which is what makes a backtest over many cut-offs affordable.
    """
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = season > 1 and len(values) >= 2 * season + 2
    if params is not None:
        seasonal = params.get("seasonal", False)
        centre, unit = params["centre"], params["unit"]
    else:
        # The model is the same on (values - centre) / unit, and the optimiser, whose steps
        # are absolute, converges in milliseconds there instead of seconds on values of 140,000.
        centre, unit = float(np.median(values)), float(np.std(values)) or 1.0
    values = (values - centre) / unit
    shape = {
        "trend": "add",
        "damped_trend": True,
        "seasonal": "add" if seasonal else None,
        "seasonal_periods": season if seasonal else None,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the backtest judges the fit
        if params is None:
            # use_brute=False: the grid search for starting values doubles the time and, on
            # daily business series, finds the same optimum.
            fit = ExponentialSmoothing(values, initialization_method="estimated", **shape).fit(use_brute=False)
            params = {**fit.params, "seasonal": seasonal, "centre": centre, "unit": unit}
        else:
            fit = ExponentialSmoothing(
                values,
                initialization_method="known",
                initial_level=params["initial_level"],
                initial_trend=params["initial_trend"],
                initial_seasonal=params["initial_seasons"] if seasonal else None,
                **shape,
            ).fit(
                smoothing_level=params["smoothing_level"],
                smoothing_trend=params["smoothing_trend"],
                smoothing_seasonal=params["smoothing_seasonal"] if seasonal else None,
                damping_trend=params["damping_trend"],
                optimized=False,
            )
    fitted = np.asarray(fit.fittedvalues, dtype=float) * unit + centre
    point = np.asarray(fit.forecast(h), dtype=float) * unit + centre
    return Prediction(fitted, point, _holt_winters_spread(params, h, season if seasonal else 0), params)


def log_holt_winters(values: np.ndarray, season: int, h: int, params: dict | None = None) -> Prediction:
    """Holt-Winters on log(values), returned on the log scale (the caller calibrates and exponentiates)."""
    return holt_winters(np.log(values), season, h, params)


def _holt_winters_spread(params: dict, horizon: int, season: int) -> np.ndarray:
    """sqrt(1 + sum c_j^2) for h = 1..horizon: the additive damped Holt-Winters h-step variance factor."""
    alpha = float(params.get("smoothing_level") or 0.0)
    beta = float(params.get("smoothing_trend") or 0.0)
    gamma = float(params.get("smoothing_seasonal") or 0.0) if season else 0.0
    phi = float(params.get("damping_trend") or 1.0)
    factors = np.empty(horizon)
    total, damped = 1.0, 0.0
    for h in range(1, horizon + 1):
        factors[h - 1] = math.sqrt(total)
        damped += phi**h
        c = alpha * (1 + beta * damped) + (gamma if season and h % season == 0 else 0.0)
        total += c * c
    return factors


#: name -> (model, works on the log scale)
MODELS: dict[str, tuple[Model, bool]] = {
    "holt_winters": (holt_winters, False),
    "log_holt_winters": (log_holt_winters, True),
    "seasonal_naive": (seasonal_naive, False),
}
