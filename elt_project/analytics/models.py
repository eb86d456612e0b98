"""The registry of batch model types: ``analytics_config.model_type`` names one of these.

A model is a function ``(series, context) -> frame`` with the columns of
:data:`RESULT_COLUMNS`; registering it makes it available to the Dagster asset,
``elt analytics run`` and the configuration page's ``model_type`` list. Adding a
model, say xgboost, is one function and one ``@register_model("xgboost", ...)``.

``ModelContext.baseline()`` fits the series once (Prophet or Holt-Winters) and
caches it, so a forecast and an anomaly config on the same series share one fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from elt_project.analytics.forecasting import ForecastOptions, fit_series
from elt_project.errors import ConfigurationError

RESULT_COLUMNS = ["date", "actual", "predicted", "lower", "upper", "is_anomaly", "score", "is_forecast"]

#: A point is an anomaly only when the isolation forest isolates it AND it lies this many
#: robust standard deviations away from the fitted value.
ANOMALY_Z = 3.5
ISOLATION_CONTAMINATION = 0.02
#: The residuals are one-dimensional in substance; 30 trees isolate a spike as surely as 100
#: and cost a third (the forest's time is per tree, not per point).
FOREST_TREES = 30
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
    """Days far from a centred 7-day rolling median after removing each weekday's usual offset.

    The 7-day median follows the level and trend and holds each weekday once, so it
    is not pulled by one spike; what is left after the weekday offsets is noise and
    outliers, judged by the robust scale.
    """
    values = series.astype(float)
    level = values.rolling("7D", center=True, min_periods=3).median()
    residual = values - level
    residual = residual - residual.groupby(residual.index.day_of_week).transform("median")
    known = residual.dropna().to_numpy()
    if len(known) < 7:
        return pd.Series(False, index=series.index)
    scale = _robust_scale(known)
    return ((residual - np.median(known)).abs() > SUSPECT_Z * scale).fillna(False)


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
    "Isolation Forest on the residuals of a trend + seasonality fit, confirmed by the robust interval.",
)
def anomaly_detection(series: pd.Series, context: ModelContext) -> pd.DataFrame:
    """Flag days whose residual is both isolated by the forest and far outside the fitted band.

    The forest sees residuals, not raw values: on raw values the first and last
    weeks of a trending series are the easiest to isolate and would be flagged.
    The robust band (median absolute deviation) keeps the spikes themselves from
    widening it.
    """
    from sklearn.ensemble import IsolationForest

    frame = context.baseline(series)
    history = frame[~frame["is_forecast"] & frame["actual"].notna()].copy()
    residual = (history["actual"] - history["predicted"]).to_numpy()
    scale = _robust_scale(residual)
    standardised = (residual - np.median(residual)) / scale
    # contamination="auto" spares the forest its own scoring pass over the training rows; the
    # same cut (the ISOLATION_CONTAMINATION quantile of the scores) is taken here from one pass.
    forest = IsolationForest(n_estimators=FOREST_TREES, contamination="auto", random_state=0)
    features = np.column_stack([standardised, np.abs(standardised)])
    scores = forest.fit(features).score_samples(features)
    isolated = scores < np.quantile(scores, ISOLATION_CONTAMINATION)
    outside = np.abs(standardised) > ANOMALY_Z
    centre = history["predicted"] + float(np.median(residual))
    history["lower"] = centre - ANOMALY_Z * scale
    history["upper"] = centre + ANOMALY_Z * scale
    history["is_anomaly"] = isolated & outside
    history["score"] = -scores
    return history.reset_index(drop=True)


def _robust_scale(values: np.ndarray) -> float:
    """1.4826 x median absolute deviation: the standard deviation of the bulk, blind to spikes."""
    mad = float(np.median(np.abs(values - np.median(values))))
    scale = 1.4826 * mad
    if scale <= 0:
        scale = float(np.std(values)) or 1.0
    return scale
