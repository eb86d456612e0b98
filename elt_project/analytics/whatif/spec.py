"""What a scenario asks: changes to segments of one measure, and optionally a goal to seek.

A change is ``(dimension, value, kind, percent, start)``: "channel=Online gets +10%
volume from 2026-03-01". The CLI writes it as ``DIM=VALUE:KIND[:PCT%][:YYYY-MM-DD]``
(``region=West:rate:-5%:2026-03-01``, ``channel=Partner:drop``); a goal as
``DIM=VALUE:TARGET:YYYY-MM-DD``. The spec is stored as JSON with a saved scenario,
so :meth:`ScenarioSpec.to_json` and :meth:`ScenarioSpec.from_json` are exact inverses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from elt_project.errors import ConfigurationError

KINDS = ("volume", "rate", "drop")
KIND_ALIASES = {"volume": "volume", "rate": "rate", "price": "rate", "drop": "drop"}
#: More changes than this would split the table into too many cells to fit (2 ** n at most).
MAX_CHANGES = 6
MAX_HORIZON_DAYS = 730
_PERCENT = re.compile(r"^[+-]?\d+(\.\d+)?%?$")
CHANGE_FORMAT = "DIM=VALUE:KIND[:PCT%][:YYYY-MM-DD] (kind volume, rate or drop), e.g. region=West:rate:-5%:2026-03-01"
GOAL_FORMAT = "DIM=VALUE:TARGET:YYYY-MM-DD[:total], e.g. channel=Online:1000000:2026-12-31"
GOAL_SCOPES = ("segment", "total")


@dataclass(frozen=True)
class Change:
    """One segment change; ``percent`` is +10.0 for +10% (ignored for a drop); ``start`` None = first forecast day."""

    dimension: str
    value: str
    kind: str
    percent: float = 0.0
    start: dt.date | None = None

    @property
    def segment(self) -> str:
        return f"{self.dimension}={self.value}"

    @property
    def factor(self) -> float:
        """What the change multiplies the segment's measure by, from its start."""
        return 0.0 if self.kind == "drop" else 1.0 + self.percent / 100.0

    def describe(self) -> str:
        when = f" from {self.start.isoformat()}" if self.start else ""
        if self.kind == "drop":
            return f"drop {self.segment}{when}"
        return f"{self.segment} {self.kind} {self.percent:+g}%{when}"

    def to_json(self) -> dict:
        start = self.start.isoformat() if self.start else None
        return {
            "dimension": self.dimension,
            "value": self.value,
            "kind": self.kind,
            "percent": self.percent,
            "start": start,
        }

    @classmethod
    def from_json(cls, data: dict) -> Change:
        start = dt.date.fromisoformat(data["start"]) if data.get("start") else None
        return make_change(data["dimension"], data["value"], data["kind"], float(data.get("percent") or 0.0), start)


@dataclass(frozen=True)
class Goal:
    """ "What growth in ``dimension=value`` makes the measure's total reach ``target`` by ``by``?"."""

    dimension: str
    value: str
    target: float
    by: dt.date
    scope: str = "segment"  # "segment": the segment's own total; "total": the whole measure

    def __post_init__(self) -> None:
        if self.scope not in GOAL_SCOPES:
            raise ConfigurationError(f"Unknown goal scope '{self.scope}'; use segment or total.")

    @property
    def segment(self) -> str:
        return f"{self.dimension}={self.value}"

    def to_json(self) -> dict:
        return {
            "dimension": self.dimension,
            "value": self.value,
            "target": self.target,
            "by": self.by.isoformat(),
            "scope": self.scope,
        }

    @classmethod
    def from_json(cls, data: dict) -> Goal:
        by = dt.date.fromisoformat(data["by"])
        return cls(data["dimension"], data["value"], float(data["target"]), by, data.get("scope") or "segment")


@dataclass(frozen=True)
class ScenarioSpec:
    """Everything needed to rebuild a scenario: where the measure lives, how far ahead, what changes."""

    table: str
    measure: str
    date_column: str | None = None
    horizon: int = 90
    changes: tuple[Change, ...] = field(default_factory=tuple)
    goal: Goal | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.horizon <= MAX_HORIZON_DAYS:
            raise ConfigurationError(f"The horizon must be 1 to {MAX_HORIZON_DAYS} days; pick a shorter one.")
        if len(self.changes) > MAX_CHANGES:
            raise ConfigurationError(f"A scenario takes at most {MAX_CHANGES} changes; combine or drop some.")

    def to_json(self) -> dict:
        return {
            "table": self.table,
            "measure": self.measure,
            "date_column": self.date_column,
            "horizon": self.horizon,
            "changes": [c.to_json() for c in self.changes],
            "goal": self.goal.to_json() if self.goal else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> ScenarioSpec:
        return cls(
            table=data["table"],
            measure=data["measure"],
            date_column=data.get("date_column"),
            horizon=int(data.get("horizon") or 90),
            changes=tuple(Change.from_json(c) for c in data.get("changes") or []),
            goal=Goal.from_json(data["goal"]) if data.get("goal") else None,
        )


def make_change(dimension: str, value: str, kind: str, percent: float = 0.0, start: dt.date | None = None) -> Change:
    """A checked :class:`Change` ("price" is another word for "rate")."""
    kind_name = KIND_ALIASES.get((kind or "").strip().lower())
    if kind_name is None:
        raise ConfigurationError(f"Unknown change kind '{kind}'; use volume, rate (or price) or drop.")
    if not dimension:
        raise ConfigurationError(f"A change needs a column name before '='; write it as {CHANGE_FORMAT}.")
    if kind_name != "drop" and percent <= -100:
        raise ConfigurationError(f"A change of {percent:g}% leaves less than nothing; use the drop kind instead.")
    return Change(dimension, value, kind_name, 0.0 if kind_name == "drop" else float(percent), start)


def _segment(text: str, form: str) -> tuple[str, list[str]]:
    if "=" not in text:
        raise ConfigurationError(f"'{text}' names no segment; write it as {form}.")
    dimension, rest = text.split("=", 1)
    return dimension.strip(), rest.split(":")


def _date(text: str, form: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(f"'{text}' is not a date; write it as YYYY-MM-DD in {form}.") from None


def parse_change(text: str) -> Change:
    """``DIM=VALUE:KIND[:PCT%][:YYYY-MM-DD]``; the value may itself contain ':' (parts are read from the right)."""
    dimension, parts = _segment(text, CHANGE_FORMAT)
    start = None
    if len(parts) > 2 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", parts[-1].strip()):
        start = _date(parts.pop(), CHANGE_FORMAT)
    percent = None
    if len(parts) > 2 and _PERCENT.match(parts[-1].strip()):
        percent = float(parts.pop().strip().rstrip("%"))
    if len(parts) < 2:
        raise ConfigurationError(f"'{text}' has no kind; write it as {CHANGE_FORMAT}.")
    kind = parts.pop()
    if KIND_ALIASES.get(kind.strip().lower()) in ("volume", "rate") and percent is None:
        raise ConfigurationError(f"'{text}' has no percent; write it as {CHANGE_FORMAT}.")
    return make_change(dimension, ":".join(parts), kind, percent or 0.0, start)


def parse_goal(text: str) -> Goal:
    """``DIM=VALUE:TARGET:YYYY-MM-DD[:total]`` (the target is the segment's own total unless ``:total``)."""
    dimension, parts = _segment(text, GOAL_FORMAT)
    scope = parts.pop().strip().lower() if len(parts) > 3 and parts[-1].strip().lower() in GOAL_SCOPES else "segment"
    if len(parts) < 3:
        raise ConfigurationError(f"'{text}' is not a goal; write it as {GOAL_FORMAT}.")
    by = _date(parts.pop(), GOAL_FORMAT)
    try:
        target = float(parts.pop().replace(",", "").replace("_", ""))
    except ValueError:
        raise ConfigurationError(f"The goal's target in '{text}' is not a number; write it as {GOAL_FORMAT}.") from None
    return Goal(dimension.strip(), ":".join(parts), target, by, scope)
