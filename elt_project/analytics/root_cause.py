""" "Why did it change": which segments drove a measure's change between two periods.

Every text column of the table (see :mod:`.root_cause_dimensions` for which are
left out and why, and how a column with hundreds of values is bucketed), and every
pair of them, is split into segments. Each segment is compared with its own baseline, and segments are ranked
by how surprising their move is, not by its size in the total: the change divided
by the noise a sum of that many rows normally shows (sqrt of the sum of squared
values, the compound-Poisson spread). A single segment that collapsed is so found
even on a day when the other segments' noise hides it in the total.

Each driver's change splits exactly into three parts (``n`` rows, ``N`` rows of the
whole table, ``w = n/N`` its share, ``r`` its value per row; 0 = baseline, 1 = current):

- volume ``(N1 - N0) w0 r0``: the whole table grew or shrank;
- mix    ``N1 (w1 - w0) r0``: the segment's share of the rows moved;
- rate   ``n1 (r1 - r0)``:    its value per row moved.

``kind`` names the largest part. The work is two GROUP BY queries (current and
baseline period, at the finest grain of the chosen columns) plus pandas.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.root_cause_dimensions import Dimensions, choose_dimensions
from elt_project.analytics.tables import (
    column,
    guess_date_column,
    in_days,
    is_numeric_type,
    reflect_table,
)
from elt_project.errors import ConfigurationError

BASELINES = ("previous_day", "same_day_last_week", "previous_period")
BASELINE_LABELS = {
    "previous_day": "the previous day",
    "same_day_last_week": "the same day last week",
    "previous_period": "the previous period",
}
ROW_COUNT = "rows"
#: Segments per column combination kept for ranking (the most surprising ones).
CANDIDATES_PER_COMBO = 50
#: A segment smaller than this share of the larger period's total is ignored.
MIN_SHARE = 0.001
MIN_ROWS = 3


@dataclass
class Driver:
    segment: dict[str, str]
    current: float
    baseline: float
    change: float
    contribution: float
    kind: str
    score: float
    current_rows: int
    baseline_rows: int
    volume: float
    mix: float
    rate: float

    def label(self) -> str:
        return " × ".join(str(v) for v in self.segment.values())


@dataclass
class RootCause:
    table: str
    measure: str
    date: dt.date
    end_date: dt.date
    baseline_date: dt.date
    baseline_end_date: dt.date
    baseline_kind: str
    current: float
    baseline: float
    change: float
    current_rows: int
    baseline_rows: int
    dimensions: list[str]
    drivers: list[Driver] = field(default_factory=list)
    #: column -> why it was not used as a dimension
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def change_pct(self) -> float | None:
        return self.change / abs(self.baseline) if self.baseline else None

    def to_json(self) -> dict:
        """The documented JSON shape of ``elt analytics why --json``."""
        return {
            "table": self.table,
            "measure": self.measure,
            "date": self.date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "baseline_date": self.baseline_date.isoformat(),
            "baseline_kind": self.baseline_kind,
            "current": round(self.current, 6),
            "baseline": round(self.baseline, 6),
            "change": round(self.change, 6),
            "summary": summary(self),
            "dimensions": self.dimensions,
            "left_out": self.left_out,
            "breakdown": [
                {"segment": segment, "change": round(change, 6), "share": round(share, 6)}
                for segment, change, share in breakdown(self)
            ],
            "drivers": [
                {k: round(v, 6) if isinstance(v, float) else v for k, v in asdict(d).items()} for d in self.drivers
            ],
        }


def baseline_period(start: dt.date, end: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    """The baseline days for the period ``start..end`` (inclusive)."""
    length = (end - start).days + 1
    shifts = {"previous_day": 1, "same_day_last_week": 7, "previous_period": length}
    if kind not in shifts:
        raise ConfigurationError(f"Unknown baseline '{kind}'; use one of: {', '.join(BASELINES)}.")
    shift = shifts[kind]
    if shift < length:
        raise ConfigurationError(
            f"A {length}-day period overlaps its '{kind}' baseline; use previous_period for periods that long."
        )
    delta = dt.timedelta(days=shift)
    return start - delta, end - delta


def explain_change(
    engine: Engine,
    table_name: str,
    measure: str,
    day: dt.date,
    *,
    baseline: str = "same_day_last_week",
    end: dt.date | None = None,
    date_column: str | None = None,
    dimensions: list[str] | None = None,
    max_drivers: int = 10,
) -> RootCause:
    """Rank the segments of ``table_name`` that moved ``measure`` on ``day`` (or ``day..end``)."""
    table = reflect_table(engine, table_name)
    date_col = column(table, date_column) if date_column else guess_date_column(table)
    end = end or day
    if end < day:
        raise ConfigurationError("The end date is before the start date; swap them.")
    base_start, base_end = baseline_period(day, end, baseline)
    value = _measure_expression(table, measure)
    current_where, baseline_where = in_days(date_col, day, end), in_days(date_col, base_start, base_end)
    if dimensions is None:
        chosen = choose_dimensions(engine, table, value, current_where, baseline_where, {date_col.name})
    else:
        order = list(table.c.keys())
        chosen = Dimensions(names=sorted({column(table, d).name for d in dimensions}, key=order.index))
    dimensions = chosen.names  # segments read in the table's column order
    current, before = _grain(engine, table, chosen, value, current_where, baseline_where)
    totals = {name: _totals(frame) for name, frame in (("current", current), ("baseline", before))}
    if totals["current"][2] == 0 and totals["baseline"][2] == 0:
        raise ConfigurationError(
            f"Table '{table_name}' has no rows on {day.isoformat()} nor on its baseline {base_start.isoformat()}; "
            "pick a date with data."
        )
    result = RootCause(
        table=table_name,
        measure=measure,
        date=day,
        end_date=end,
        baseline_date=base_start,
        baseline_end_date=base_end,
        baseline_kind=baseline,
        current=totals["current"][0],
        baseline=totals["baseline"][0],
        change=totals["current"][0] - totals["baseline"][0],
        current_rows=totals["current"][2],
        baseline_rows=totals["baseline"][2],
        dimensions=dimensions,
        left_out=chosen.left_out,
    )
    result.drivers = _rank(result, current, before, dimensions)[:max_drivers]
    return result


def _measure_expression(table: sa.Table, measure: str) -> sa.ColumnElement:
    if measure == ROW_COUNT and ROW_COUNT not in table.c:
        return sa.literal(1.0)
    col = column(table, measure)
    if not is_numeric_type(col.type):
        raise ConfigurationError(f"Column '{measure}' of '{table.name}' is not numeric; pick a numeric measure.")
    return sa.cast(col, sa.Float)


def _grain(engine: Engine, table: sa.Table, chosen: Dimensions, value, current, baseline) -> tuple:
    """SUM, SUM of squares and COUNT per finest segment and period, in one scan by the database."""
    dims = chosen.names
    keys = [chosen.key(table, d) for d in dims]
    value = sa.func.coalesce(value, 0.0)
    zero = sa.literal(0.0)
    columns = []
    for period in (current, baseline):
        columns += [
            sa.func.sum(sa.case((period, value), else_=zero)),
            sa.func.sum(sa.case((period, value * value), else_=zero)),
            sa.func.sum(sa.case((period, 1), else_=0)),
        ]
    query = sa.select(*keys, *columns).where(sa.or_(current, baseline))
    if keys:
        query = query.group_by(*keys)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=[*dims, "v1", "q1", "n1", "v0", "q0", "n0"])
    for name in ("v1", "q1", "n1", "v0", "q0", "n0"):
        frame[name] = pd.to_numeric(frame[name]).fillna(0.0).astype(float)
    rename = {"v": "v", "q": "q", "n": "n"}
    now = frame[[*dims, "v1", "q1", "n1"]].rename(columns={f"{k}1": v for k, v in rename.items()})
    before = frame[[*dims, "v0", "q0", "n0"]].rename(columns={f"{k}0": v for k, v in rename.items()})
    return now[now["n"] > 0], before[before["n"] > 0]


def _totals(frame: pd.DataFrame) -> tuple[float, float, int]:
    return float(frame["v"].sum()), float(frame["q"].sum()), int(frame["n"].sum())


def _rank(result: RootCause, current: pd.DataFrame, before: pd.DataFrame, dims: list[str]) -> list[Driver]:
    """Every segment of every column and pair of columns, scored in arrays; Driver objects for the best."""
    n1_total, n0_total = max(result.current_rows, 0), max(result.baseline_rows, 0)
    size_floor = MIN_SHARE * max(abs(result.current), abs(result.baseline))
    denominator = abs(result.change) or 1.0
    drivers = []
    for combo in itertools.chain(([d] for d in dims), itertools.combinations(dims, 2)):
        combo = list(combo)
        cur = current.groupby(combo)[["v", "q", "n"]].sum()
        base = before.groupby(combo)[["v", "q", "n"]].sum()
        j = cur.join(base, how="outer", lsuffix="1", rsuffix="0").fillna(0.0)
        keep = (np.maximum(j["v1"].abs(), j["v0"].abs()) >= size_floor) & (np.maximum(j["n1"], j["n0"]) >= MIN_ROWS)
        j = j[keep]
        if j.empty:
            continue
        change = j["v1"] - j["v0"]
        j = j.assign(change=change, score=change / np.sqrt(j["q1"] + j["q0"]).replace(0.0, 1.0))
        j = j.loc[j["score"].abs().nlargest(CANDIDATES_PER_COMBO).index]
        r0 = np.where(j["n0"] > 0, j["v0"] / j["n0"].where(j["n0"] > 0, 1.0), 0.0)
        r1 = np.where(j["n1"] > 0, j["v1"] / j["n1"].where(j["n1"] > 0, 1.0), r0)
        w0 = j["n0"] / n0_total if n0_total else j["n0"] * 0.0
        w1 = j["n1"] / n1_total if n1_total else j["n1"] * 0.0
        volume = (n1_total - n0_total) * w0 * r0
        mix = n1_total * (w1 - w0) * r0
        rate = j["n1"] * (r1 - r0)
        arrays = {c: j[c].to_numpy(dtype=float) for c in ("v1", "v0", "n1", "n0", "change", "score")}
        volume, mix, rate = (np.asarray(a, dtype=float) for a in (volume, mix, rate))
        for i, key in enumerate(j.index):
            values = key if isinstance(key, tuple) else (key,)
            parts = {"volume": float(volume[i]), "mix": float(mix[i]), "rate": float(rate[i])}
            drivers.append(
                Driver(
                    segment=dict(zip(combo, (str(v) for v in values))),
                    current=float(arrays["v1"][i]),
                    baseline=float(arrays["v0"][i]),
                    change=float(arrays["change"][i]),
                    contribution=float(arrays["change"][i] / denominator),
                    kind=max(parts, key=lambda k: abs(parts[k])),
                    score=float(arrays["score"][i]),
                    current_rows=int(arrays["n1"][i]),
                    baseline_rows=int(arrays["n0"][i]),
                    volume=parts["volume"],
                    mix=parts["mix"],
                    rate=parts["rate"],
                )
            )
    drivers.sort(key=lambda d: (-abs(d.score), len(d.segment)))
    return _without_echoes(drivers)


def disjoint_drivers(result: RootCause, top: int) -> list[Driver]:
    """The best drivers whose segments share no rows (West and Online overlap; West and East do not).

    Shares of a change add up only over segments that do not count the same rows twice.
    """
    kept: list[Driver] = []
    for driver in result.drivers:
        if all(any(k.segment.get(c, v) != v for c, v in driver.segment.items()) for k in kept):
            kept.append(driver)
        if len(kept) == top:
            break
    return kept


def breakdown(result: RootCause, top: int = 5) -> list[tuple[str, float, float]]:
    """(label, change, share of the total change) for the top disjoint drivers and "everything else".

    The changes add up to the total change exactly and the shares to 1 (when the total moved);
    a share above 1 or below 0 says the other segments moved the other way.
    """
    drivers = disjoint_drivers(result, top)
    rest = result.change - sum(d.change for d in drivers)
    rows = [(d.label(), d.change) for d in drivers] + [("everything else", rest)]
    total = result.change
    return [(label, change, change / total if total else 0.0) for label, change in rows]


def _without_echoes(drivers: list[Driver]) -> list[Driver]:
    """Drop a single-column segment listed below a pair inside it that explains most of its change.

    "West" falls because "West × Online" collapsed; listing both says one thing twice.
    """
    kept: list[Driver] = []
    for driver in drivers:
        echo = any(
            len(k.segment) > len(driver.segment)
            and driver.segment.items() <= k.segment.items()
            and driver.change
            and np.sign(k.change) == np.sign(driver.change)
            and abs(k.change) >= 0.6 * abs(driver.change)
            for k in kept
        )
        if not echo:
            kept.append(driver)
    return kept


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{abs(value):.0%}"


def _fraction_words(share: float) -> str:
    tenths = max(1, min(10, round(share * 10)))
    return f"{tenths} in 10"


def summary(result: RootCause) -> str:
    """One plain-language paragraph: the change, then the top driver and what kind of move it was."""
    measure = result.measure.replace("_", " ").capitalize()
    when = (
        result.date.isoformat()
        if result.end_date == result.date
        else (f"{result.date.isoformat()}..{result.end_date.isoformat()}")
    )
    base = f"{BASELINE_LABELS[result.baseline_kind]} ({result.baseline_date.isoformat()})"
    pct = result.change_pct
    if pct is None or abs(pct) < 0.005:
        head = f"{measure} was about unchanged on {when} against {base}"
    else:
        verb = "rose" if result.change > 0 else "fell"
        head = f"{measure} {verb} {_pct(pct)} on {when} against {base}"
    if not result.drivers:
        return head + "; no segment stands out."
    top = result.drivers[0]
    explains = top.contribution  # its share of the change; the shares of disjoint segments add up to 1
    same_direction = np.sign(top.change) == np.sign(result.change) and result.change != 0
    word = "drop" if result.change < 0 else "rise"
    if same_direction and abs(explains) < 0.25:
        lead = f"the {word} is spread across segments; the most unusual is {top.label()} ({abs(explains):.0%} of it)"
    elif same_direction and abs(explains) < 0.95:
        lead = f"{top.label()} accounts for {abs(explains):.0%} of the {word}"
    elif same_direction and abs(explains) <= 1.05:
        lead = f"{top.label()} accounts for about all of the {word}"
    else:
        moved = "fell" if top.change < 0 else "rose"
        lead = f"{top.label()} {moved} by {abs(top.change):,.2f}, more than other segments' noise would explain"
    return f"{head}; {lead}: {_how(top)}."


def _how(driver: Driver) -> str:
    if driver.kind in ("mix", "volume") and driver.baseline_rows:
        if driver.current_rows < driver.baseline_rows:
            missing = 1 - driver.current_rows / driver.baseline_rows
            return f"{_fraction_words(missing)} of its usual rows are missing"
        extra = driver.current_rows / driver.baseline_rows - 1
        return f"it has {extra:.0%} more rows than usual"
    if driver.baseline_rows and driver.current_rows:
        r0 = driver.baseline / driver.baseline_rows
        r1 = driver.current / driver.current_rows
        if r0:
            direction = "rose" if r1 > r0 else "fell"
            return f"its value per row {direction} {abs(r1 / r0 - 1):.0%} ({r0:,.2f} to {r1:,.2f})"
    return f"it moved from {driver.baseline:,.2f} to {driver.current:,.2f}"
