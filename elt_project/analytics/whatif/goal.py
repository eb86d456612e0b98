"""Goal seek: the growth of one segment that makes a total reach a target by a date.

Solved on the scenario's own model (:mod:`.model`): every total there is linear in
a segment's growth ``g``. Over the forecast days from the first one through the
goal's date, with ``B`` the segment's scenario total (its cells after the
scenario's changes) and ``A`` everything else counted in the target (nothing for a
``segment`` goal, the other cells for a ``total`` goal),

    A + (1 + g) * B = target   =>   g = (target - A) / B - 1

The same formula on the band edges (``A`` and ``B`` summed from the cells' lower,
then upper bands, as :mod:`.model` adds bands) gives the range: the growth needed
if the outcome lands at the lower band (more) and at the upper band (less).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from elt_project.analytics.whatif.model import ScenarioResult
from elt_project.analytics.whatif.spec import Goal
from elt_project.errors import ConfigurationError


@dataclass(frozen=True)
class GoalAnswer:
    goal: Goal
    days: int
    expected: float  # the target's measure over the window without the growth (the scenario as it is)
    growth: float | None  # 0.10 = +10%; None when the segment forecasts nothing
    growth_at_lower: float | None  # needed if the outcome lands on the lower band
    growth_at_upper: float | None  # needed if it lands on the upper band

    def sentence(self) -> str:
        what = self.goal.segment if self.goal.scope == "segment" else "the total"
        target = f"{self.goal.target:,.2f}"
        head = f"To reach {target} for {what} by {self.goal.by.isoformat()} ({self.days} forecast days)"
        if self.growth is None:
            return (
                f"{self.goal.segment} is forecast at nothing through {self.goal.by}; no growth of it reaches {target}."
            )
        if self.growth <= -1:
            return (
                f"{target} for {what} by {self.goal.by} is met even without {self.goal.segment} ({self.expected:,.2f})."
            )
        band = ""
        if self.growth_at_lower is not None and self.growth_at_upper is not None:
            band = f" (between {_pct(self.growth_at_upper)} and {_pct(self.growth_at_lower)} across the forecast band)"
        return f"{head}, {self.goal.segment} needs {_pct(self.growth)} growth{band}; expected now {self.expected:,.2f}."

    def to_json(self) -> dict:
        def rounded(value):
            return None if value is None else round(value, 6)

        return {
            **self.goal.to_json(),
            "days": self.days,
            "expected": round(self.expected, 6),
            "growth": rounded(self.growth),
            "growth_at_lower": rounded(self.growth_at_lower),
            "growth_at_upper": rounded(self.growth_at_upper),
            "answer": self.sentence(),
        }


def _pct(value: float) -> str:
    return f"{value:+.1%}"


def seek(result: ScenarioResult, goal: Goal) -> GoalAnswer:
    """The growth of ``goal``'s segment (from the first forecast day) that meets its target; see the module."""
    segment = (goal.dimension, goal.value)
    if segment not in result.frame.segments:
        raise ConfigurationError(
            f"The goal's segment {goal.segment} is not part of this scenario; run it with the goal."
        )
    window = np.asarray(result.dates <= pd.Timestamp(goal.by))
    if goal.by < result.dates[0].date():
        raise ConfigurationError(f"The goal's date is before the first forecast day {result.dates[0].date()}; move it.")
    if goal.by > result.dates[-1].date():
        raise ConfigurationError(f"The goal's date is past the horizon ({result.dates[-1].date()}); raise the horizon.")
    inside = set(result.frame.cells_in(segment))
    sums = {"predicted": [0.0, 0.0], "lower": [0.0, 0.0], "upper": [0.0, 0.0]}  # [A, B]
    for cell in result.cells:
        in_segment = cell.cell in inside
        if not in_segment and goal.scope == "segment":
            continue
        for edge in sums:
            sums[edge][int(in_segment)] += float((getattr(cell, edge) * cell.factor)[window].sum())

    def solve(edge: str) -> float | None:
        rest, part = sums[edge]
        return (goal.target - rest) / part - 1.0 if part > 0 else None

    expected = sums["predicted"][0] + sums["predicted"][1]
    return GoalAnswer(goal, int(window.sum()), expected, solve("predicted"), solve("lower"), solve("upper"))
