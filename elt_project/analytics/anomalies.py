"""Anomalies: points outside a calibrated band by a stated margin, with no quota of days.

The expected value of each point is its season (statsmodels' STL with ``robust=True``,
whose weights keep a spike out of the seasonal pattern) plus the median of its
neighbours on both sides, seasonally adjusted. Unlike a one-step forecast it looks at
both sides of a point, so a spike does not make the next days, or the same weekday a
week later, look odd. What is left (the residual) is noise plus anomalies.

The band is calibrated locally: its half-width at each point is the 90% quantile of
the absolute residuals in a window around it (about three months of days, half a
year of weeks, two years of months), so 90% of ordinary points fall inside it, in
a calm stretch and in a noisy one alike. A point is an anomaly when it lies more
than :data:`MARGIN` half-widths from the expected value; its score is that distance
in half-widths (1 = on the band's edge). However many points that is, all are flagged,
and on a clean series none are.

A second, material test keeps statistically odd but immaterial wiggles out: the point
must also lie :data:`MATERIAL` local standard deviations of the series itself (its
values in a centred window of :data:`SPREAD_WINDOW` points, measured robustly) from the expected value.
On a smooth series (CO2, employment) the residual noise is tiny, so the band alone
flags ripples no reader would call an anomaly; on a noisy one the band is the
stricter test and this one changes nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from elt_project.analytics.forecasting import STEPS, regular_positions, step_of

#: An anomaly lies at least this many 90%-band half-widths from the expected value.
#: For Gaussian noise the half-width is 1.645 sigma, so the threshold is ~3.3 sigma:
#: about 1 ordinary day in 1,000 crosses it.
MARGIN = 2.0
LEVEL = 0.9
NEIGHBOURS = 3
#: Width of the local window, in steps, per step kind.
WINDOWS = {"day": 181, "week": 53, "month": 37}
#: An anomaly also lies at least this many local standard deviations of the values from the expected value.
MATERIAL = 2.0
#: Points in the centred window of that local standard deviation (a month of days).
SPREAD_WINDOW = 29


def expected_values(values: np.ndarray, season: int) -> np.ndarray:
    """Season (robust STL) plus the median of the NEIGHBOURS points on each side, seasonally adjusted.

    The point itself is left out of its own level, so a spike cannot raise the value
    it is compared with, and a median of its neighbours is not moved by one of them
    being a spike too. Series too short for a season get the neighbour median alone.
    """
    seasonal = np.zeros(len(values))
    if season > 1 and len(values) >= 2 * season + 1:
        from statsmodels.tsa.seasonal import STL

        seasonal = np.asarray(STL(values, period=season, robust=True).fit().seasonal, dtype=float)
    adjusted = pd.Series(values - seasonal)
    around = [adjusted.shift(k) for k in range(-NEIGHBOURS, NEIGHBOURS + 1) if k]
    level = pd.concat(around, axis=1).median(axis=1, skipna=True).to_numpy()
    return level + seasonal


def local_half_width(residual: np.ndarray, window: int) -> np.ndarray:
    """Half-width of a band holding LEVEL of the residuals, following the local noise level.

    The local noise level is the median absolute residual in a centred window (a
    median, so steadier than a local 90% quantile and blind to the anomalies in the
    window); one factor for the whole series then scales it so that LEVEL of all
    residuals fall inside: the band is calibrated on the series itself.
    """
    window = min(window, len(residual))
    magnitude = np.abs(residual)
    local = pd.Series(magnitude).rolling(window, center=True, min_periods=max(3, window // 3)).median()
    local = local.bfill().ffill().to_numpy()
    local = np.maximum(local, max(float(np.median(magnitude)) * 0.05, 1e-9))  # a flat stretch is not zero noise
    factor = float(np.quantile(magnitude / local, LEVEL))
    return factor * local


def local_spread(values: np.ndarray, window: int = SPREAD_WINDOW) -> np.ndarray:
    """How much the series itself moves in a centred window, as a robust standard deviation.

    The interquartile range over 1.349 (the standard deviation of a normal sample) rather than
    the plain standard deviation: one spike in the window must not widen it so much that a
    second anomaly a few days away, a drop say, stops counting as material.
    """
    window = min(window, len(values))
    rolling = pd.Series(values).rolling(window, center=True, min_periods=max(3, window // 3))
    spread = (rolling.quantile(0.75) - rolling.quantile(0.25)) / 1.349
    return spread.bfill().ffill().fillna(0.0).to_numpy()


def detect(series: pd.Series) -> pd.DataFrame:
    """One row per known point: date, actual, expected (``predicted``), band, score, ``is_anomaly``."""
    from elt_project.analytics.models import suspect_days

    history = series.dropna()
    step = step_of(history.index)
    positions = regular_positions(history.index, step)
    regular = pd.Series(np.nan, index=range(int(positions[-1]) + 1))
    regular[positions] = np.where(suspect_days(history).to_numpy(), np.nan, history.to_numpy())
    values = regular.interpolate(limit_direction="both").to_numpy()  # gross outliers out of the season
    expected = expected_values(values, STEPS[step][1])[positions]
    residual = history.to_numpy() - expected
    half = local_half_width(residual, WINDOWS[step])
    score = np.abs(residual) / half
    material = np.abs(residual) >= MATERIAL * local_spread(history.to_numpy())
    return pd.DataFrame(
        {
            "date": history.index,
            "actual": history.to_numpy(),
            "predicted": expected,
            "lower": expected - MARGIN * half,
            "upper": expected + MARGIN * half,
            "is_anomaly": (score > MARGIN) & material,
            "score": score,
            "is_forecast": False,
        }
    )
