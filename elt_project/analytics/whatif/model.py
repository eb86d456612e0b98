"""A scenario on the forecasts: each affected segment's forecast, changed from a date, beside the baseline.

The baseline is the sum of one forecast per disjoint cell of the table (see
:mod:`.cells`): the affected segments' daily series and the rest, each fitted by the
project's forecast engine (:func:`elt_project.analytics.models.robust_fit`). The
scenario multiplies each cell's forecast, from each change's start date, by the
factor of every change whose segment holds the cell: ``1 + p`` for volume and rate,
0 for a drop. On the measure both kinds multiply alike; they differ in what they
say (more units at the same price, or the same units at another price) and in one
case: when the measure is itself the units column, a price change leaves it as is.

The difference is split exactly, per change and per kind, by applying the changes of
a cell in a fixed order (volume, then rate, then drop; each in the order given): a
change's effect is what it adds to what the cell already is. A volume change is so
valued at the old price and a price change at the new volume, and a drop removes
what the other changes left.

Uncertainty bands, the method: each cell keeps its own forecast band (the engine's
calibrated 90% band), and the scenario scales a cell's band by the same factor as
its forecast, so a +10% segment has a 10% wider band and a dropped one none. Bands
of cells, and of days in a period, are *added*, as if the cells' errors moved
together: the band of a sum is then conservative (at least as wide as a 90% band of
that sum), and every total, band edges included, stays linear in a segment's
growth, which is what lets the goal seek of :mod:`.goal` answer in closed form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.models import robust_fit
from elt_project.analytics.tables import measure_columns
from elt_project.analytics.whatif.cells import CellFrame, quantity_column, read_cells
from elt_project.analytics.whatif.spec import Change, ScenarioSpec
from elt_project.errors import ConfigurationError

KIND_ORDER = {"volume": 0, "rate": 1, "drop": 2}
#: Days of history shown before the forecast on charts and in the JSON.
HISTORY_SHOWN_DAYS = 90


@dataclass
class CellForecast:
    """One cell's baseline forecast and band per forecast day, and the scenario's factor per day."""

    cell: str
    predicted: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    factor: np.ndarray
    model: str


@dataclass
class ScenarioResult:
    spec: ScenarioSpec
    dates: pd.DatetimeIndex
    cells: list[CellForecast]
    frame: CellFrame
    effects: dict[int, np.ndarray]  # change index -> effect per forecast day (sum over cells)
    notes: list[str] = field(default_factory=list)

    def _total(self, attribute: str, scaled: bool) -> np.ndarray:
        return sum(
            (getattr(c, attribute) * (c.factor if scaled else 1.0) for c in self.cells), np.zeros(len(self.dates))
        )

    @property
    def baseline(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(self._total(a, False) for a in ("predicted", "lower", "upper"))

    @property
    def scenario(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(self._total(a, True) for a in ("predicted", "lower", "upper"))

    @property
    def data_through(self) -> dt.date:
        return self.frame.data_through

    @property
    def model(self) -> str:
        """The forecast engine's model per cell, e.g. "holt_winters x3, seasonal_naive"."""
        names = pd.Series([c.model for c in self.cells]).value_counts()
        return ", ".join(f"{name} x{count}" if count > 1 else name for name, count in names.items()) or "none"

    def by_kind(self) -> dict[str, float]:
        """The difference over the horizon split into volume (drops included: all units gone) and rate."""
        split = {"volume": 0.0, "rate": 0.0}
        for index, effect in self.effects.items():
            kind = self.spec.changes[index].kind
            split["rate" if kind == "rate" else "volume"] += float(effect.sum())
        return split

    def history(self) -> pd.Series:
        """The measure's actual total per day over the last :data:`HISTORY_SHOWN_DAYS` days."""
        totals = self.frame.values.sum(axis=1, min_count=1)
        return totals.iloc[-HISTORY_SHOWN_DAYS:]

    def daily(self) -> pd.DataFrame:
        """Baseline and scenario per forecast day, each with its band."""
        base, scen = self.baseline, self.scenario
        return pd.DataFrame(
            {
                "date": self.dates,
                "baseline": base[0],
                "baseline_lower": base[1],
                "baseline_upper": base[2],
                "scenario": scen[0],
                "scenario_lower": scen[1],
                "scenario_upper": scen[2],
            }
        )

    def changes_frame(self) -> pd.DataFrame:
        """One row per change: the segment, what it does, and its effect on the horizon's total."""
        rows = []
        for index, change in enumerate(self.spec.changes):
            effect = self.effects.get(index, np.zeros(len(self.dates)))
            rows.append(
                {
                    "segment": change.segment,
                    "change": change.describe(),
                    "kind": change.kind,
                    "effect": float(effect.sum()),
                }
            )
        return pd.DataFrame(rows, columns=["segment", "change", "kind", "effect"])

    def totals(self) -> dict[str, float]:
        base, scen = self.baseline, self.scenario
        return {
            "baseline": float(base[0].sum()),
            "baseline_lower": float(base[1].sum()),
            "baseline_upper": float(base[2].sum()),
            "scenario": float(scen[0].sum()),
            "scenario_lower": float(scen[1].sum()),
            "scenario_upper": float(scen[2].sum()),
            "difference": float(scen[0].sum() - base[0].sum()),
        }

    def to_json(self) -> dict:
        """The documented JSON shape of ``elt analytics whatif --json`` (also what a saved scenario keeps)."""
        daily = self.daily()
        return {
            "spec": self.spec.to_json(),
            "basis": {"data_through": self.data_through.isoformat(), "model": self.model},
            "notes": self.notes,
            "totals": {k: round(v, 6) for k, v in self.totals().items()},
            "by_change": [
                {k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.changes_frame().to_dict("records")
            ],
            "by_kind": {k: round(v, 6) for k, v in self.by_kind().items()},
            "daily": [
                {k: (v.date().isoformat() if k == "date" else round(float(v), 6)) for k, v in row.items()}
                for row in daily.to_dict("records")
            ],
            "history": [
                {"date": day.date().isoformat(), "actual": None if pd.isna(v) else round(float(v), 6)}
                for day, v in self.history().items()
            ],
        }


def segments_of(spec: ScenarioSpec) -> list[tuple[str, str]]:
    """The distinct segments the changes and the goal name, in the order first named."""
    named = [(c.dimension, c.value) for c in spec.changes]
    if spec.goal:
        named.append((spec.goal.dimension, spec.goal.value))
    return list(dict.fromkeys(named))


def run_scenario(
    engine: Engine, spec: ScenarioSpec, *, engine_name: str = "auto", history_days: int | None = None
) -> ScenarioResult:
    """Fit every cell, apply the changes, and split the difference (see the module's docstring)."""
    frame = read_cells(
        engine, spec.table, spec.measure, segments_of(spec), date_column=spec.date_column, history_days=history_days
    )
    options = ForecastOptions(horizon=spec.horizon, engine=engine_name)
    fitted, dates = [], None
    for cell in frame.values.columns:
        series = frame.values[cell].rename(spec.measure)
        if not series.fillna(0).any():
            continue  # a combination with no rows (or only zeros) forecasts nothing
        future = robust_fit(series, options)
        future = future[future["is_forecast"]]
        dates = pd.DatetimeIndex(future["date"]) if dates is None else dates
        if len(future) != len(dates):
            raise ConfigurationError("The segments' forecasts do not share one calendar; use a daily date column.")
        fitted.append((cell, future, str(future.attrs.get("model", "prophet"))))
    if dates is None:
        raise ConfigurationError(f"'{spec.measure}' of '{spec.table}' is zero everywhere; pick another measure.")
    notes = _notes(engine, spec, frame, dates)
    rate_moves_measure = quantity_column(engine, spec.table, spec.measure) != spec.measure
    cells, effects = [], {}
    for cell, future, model in fitted:
        predicted, factor = future["predicted"].to_numpy(float), np.ones(len(dates))
        for index, change in _ordered(spec.changes):
            if cell[frame.segments.index((change.dimension, change.value))] != "1":
                continue
            if change.kind == "rate" and not rate_moves_measure:
                continue
            active = _active(dates, change)
            before = predicted * factor
            factor = np.where(active, factor * change.factor, factor)
            effects[index] = effects.get(index, np.zeros(len(dates))) + predicted * factor - before
        cells.append(
            CellForecast(
                cell, predicted, future["lower"].to_numpy(float), future["upper"].to_numpy(float), factor, model
            )
        )
    return ScenarioResult(spec, dates, cells, frame, effects, notes)


def _ordered(changes: tuple[Change, ...]) -> list[tuple[int, Change]]:
    return sorted(enumerate(changes), key=lambda item: (KIND_ORDER[item[1].kind], item[0]))


def _active(dates: pd.DatetimeIndex, change: Change) -> np.ndarray:
    if change.start is None:
        return np.ones(len(dates), dtype=bool)
    return np.asarray(dates >= pd.Timestamp(change.start))


def _notes(engine: Engine, spec: ScenarioSpec, frame: CellFrame, dates: pd.DatetimeIndex) -> list[str]:
    """Plain sentences on how the scenario was read: units, prices, changes outside the horizon."""
    notes = []
    units = quantity_column(engine, spec.table, spec.measure)
    has_rate = any(c.kind == "rate" for c in spec.changes)
    if units == spec.measure and has_rate:
        notes.append(f"{spec.measure} counts units, so a price (rate) change leaves it unchanged.")
    elif units and has_rate:
        notes.append(f"Volume is {units}; a rate change moves {spec.measure} per unit of {units}.")
    elif has_rate and len(measure_columns(engine, spec.table)) <= 1:
        notes.append(f"The table has no units column, so a rate (price) change scales {spec.measure} itself.")
    elif has_rate:
        notes.append(f"The table has no units column: volume counts rows and rate is {spec.measure} per row.")
    for change in spec.changes:
        if change.start and change.start > dates[-1].date():
            notes.append(f"{change.describe()} starts after the horizon ends ({dates[-1].date()}); it has no effect.")
        elif change.start and change.start <= frame.data_through:
            notes.append(f"{change.describe()} applies from the first forecast day, {dates[0].date()}.")
    for dimension, value in frame.segments:
        if not any(frame.values[c].fillna(0).any() for c in frame.cells_in((dimension, value))):
            notes.append(f"No row has {dimension}={value}; check the spelling (values compare as text).")
    return notes
