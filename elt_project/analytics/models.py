"""The registry of batch model types: ``analytics_config.model_type`` names one of these.

A model is a function ``(series, context) -> frame`` with the columns of
:data:`RESULT_COLUMNS`; registering it makes it available to the Dagster asset,
``elt analytics run`` and the configuration page's ``model_type`` list. Adding a
model, say xgboost, is one function and one ``@register_model("xgboost", ...)``.

``ModelContext.baseline()`` fits the series once (the calibrated statistical engine,
or Prophet) and caches it, so models on the same series share one fit; anomaly
detection needs no forecast and works on its own decomposition (:mod:`.anomalies`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from elt_project.analytics.forecasting import STEPS, ForecastOptions, fit_series, regular_positions, step_of
from elt_project.errors import ConfigurationError

RESULT_COLUMNS = ["date", "actual", "predicted", "lower", "upper", "is_anomaly", "score", "is_forecast"]

#: Only gross outliers are kept out of the fit; borderline days stay in, so the fit is not
#: made to look past ordinary noise.
SUSPECT_Z = 6.0


@dataclass
class ModelContext:
    """What a model may use besides the series: options and a shared, lazily fitted baseline."""

    options: ForecastOptions = field(default_factory=ForecastOptions)
    _fits: dict = field(default_factory=dict, repr=False)

    def baseline(self, series: pd.Series) -> pd.DataFrame:
        """The robust fit of ``series`` (history + forecast), computed once per series and options."""
        key = (id(series), self.options)
        if key not in self._fits:
            self._fits[key] = (series, robust_fit(series, self.options))  # keep series alive: id stays unique
        return self._fits[key][1]


def robust_fit(series: pd.Series, options: ForecastOptions) -> pd.DataFrame:
    """Fit the series with the days that look like outliers set aside; actuals are kept as read.

    A spike left in the training data bends the fit around it: Holt-Winters carries
    it into the next days' level and season, Prophet into its weekly pattern, and
    the days after or the same weekday elsewhere then look anomalous too. A cheap
    screen finds such days first (see :func:`suspect_days`), so one model fit suffices.
    """
    suspects = suspect_days(series)
    if not suspects.any():
        return fit_series(series, options)
    cleaned = series.copy()
    cleaned[suspects] = np.nan
    frame = fit_series(cleaned, options)
    frame["actual"] = series.reindex(pd.DatetimeIndex(frame["date"])).to_numpy()
    return frame


def suspect_days(series: pd.Series) -> pd.Series:
    """Points far from a centred rolling median (one season wide) after each phase's usual offset.

    The rolling median follows the level and trend and holds each phase of the season
    (weekday, week of year, month) once, so it is not pulled by one spike; what is left
    after the phase offsets is noise and outliers, judged by the robust scale.
    """
    values = series.astype(float)
    known = values.dropna()
    if len(known) < 7:
        return pd.Series(False, index=series.index)
    step = step_of(known.index)
    season = STEPS[step][1]
    window = season + 1 - season % 2 if len(known) >= 3 * season else 7
    level = known.rolling(window, center=True, min_periods=3).median()
    residual = known - level
    phase = regular_positions(known.index, step) % season
    residual = residual - residual.groupby(phase).transform("median")
    spread = residual.dropna().to_numpy()
    scale = _robust_scale(spread)
    flagged = ((residual - np.median(spread)).abs() > SUSPECT_Z * scale).fillna(False)
    return flagged.reindex(series.index, fill_value=False)


ModelFunction = Callable[[pd.Series, ModelContext], pd.DataFrame]


@dataclass(frozen=True)
class ModelType:
    name: str
    description: str
    run: ModelFunction


_REGISTRY: dict[str, ModelType] = {}


def register_model(name: str, description: str) -> Callable[[ModelFunction], ModelFunction]:
    """Decorator: make ``name`` a valid ``model_type``."""

    def decorate(function: ModelFunction) -> ModelFunction:
        _REGISTRY[name] = ModelType(name, description, function)
        return function

    return decorate


def model_names() -> list[str]:
    """Every registered model type, for the asset and the configuration page's dropdown."""
    return sorted(_REGISTRY)


def get_model(name: str) -> ModelType:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(model_names())
        raise ConfigurationError(f"Unknown model_type '{name}'; use one of: {known}.") from None


def run_model(name: str, series: pd.Series, context: ModelContext | None = None) -> pd.DataFrame:
    """Run the registered model ``name`` on ``series`` and check the frame it returns."""
    frame = get_model(name).run(series, context or ModelContext())
    missing = [c for c in RESULT_COLUMNS if c not in frame.columns]
    if missing:
        raise ConfigurationError(f"Model '{name}' returned no column(s) {', '.join(missing)}; fix the model.")
    return frame[RESULT_COLUMNS]


@register_model("forecast", "Forecast with an interval: Prophet when installed, Holt-Winters otherwise.")
def forecast(series: pd.Series, context: ModelContext) -> pd.DataFrame:
    frame = context.baseline(series).copy()
    frame["is_anomaly"] = False
    frame["score"] = np.nan
    return frame


@register_model(
    "anomaly_detection",
    "Points outside a locally calibrated 90% band around a robust trend + season, by a stated margin.",
)
def anomaly_detection(series: pd.Series, context: ModelContext) -> pd.DataFrame:
    """Flag every point more than MARGIN half-widths of the calibrated band away (see :mod:`.anomalies`).

    There is no quota: a clean series has no anomaly and a bad month can have many.
    The score is the distance in half-widths, so 1 is the band's edge.
    """
    from elt_project.analytics.anomalies import detect

    return detect(series).reset_index(drop=True)


def _robust_scale(values: np.ndarray) -> float:
    """1.4826 x median absolute deviation: the standard deviation of the bulk, blind to spikes."""
    mad = float(np.median(np.abs(values - np.median(values))))
    scale = 1.4826 * mad
    if scale <= 0:
        scale = float(np.std(values)) or 1.0
    return scale
