"""Auto-dashboards: charts chosen from a table's profile, each with the reason it was chosen.

The rules follow Metabase's X-rays and need no LLM:

- KPI tiles: the row count, each measure's total (the average of a price or rate),
  the date range;
- a time series for a date column against the main measure (daily, or weekly
  when the table spans more than a quarter);
- bars for each low-cardinality dimension;
- a histogram for each measure;
- a heatmap for the two dimensions with the fewest values.

Each chart's data is aggregated by the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.profile import ColumnProfile, TableProfile, profile_table, span_days
from elt_project.analytics.tables import reflect_table, to_date
from elt_project.db.dialect_expressions import day_of

MAX_BARS = 4
MAX_HISTOGRAMS = 2
HISTOGRAM_BINS = 20
WEEKLY_AFTER_DAYS = 92
#: Measures per unit (a price, a rate, a percentage): their KPI tile is the average, not the sum.
_PER_UNIT = re.compile(r"price|rate|ratio|percent|pct|avg|average|mean", re.I)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    reason: str


@dataclass
class ChartSpec:
    kind: str  # "timeseries" | "bar" | "histogram" | "heatmap"
    title: str
    reason: str
    data: pd.DataFrame
    x: str
    y: str
    z: str | None = None


@dataclass
class Dashboard:
    profile: TableProfile
    kpis: list[Kpi] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _main_measure(profile: TableProfile) -> ColumnProfile | None:
    """The measure with the largest total spread: 'amount' rather than 'quantity' on a sales table."""
    measures = [m for m in profile.by_role("measure") if m.mean is not None]
    if not measures:
        return None
    return max(measures, key=lambda m: abs(m.mean) * (m.rows - m.nulls))


def build_dashboard(engine: Engine, table_name: str) -> Dashboard:
    """Profile ``table_name`` and choose its charts."""
    profile = profile_table(engine, table_name)
    table = reflect_table(engine, table_name)
    board = Dashboard(profile)
    measure = _main_measure(profile)
    value = sa.func.sum(sa.cast(table.c[measure.name], sa.Float)) if measure else sa.func.count()
    value_name = f"total {_label(measure.name)}" if measure else "rows"
    board.kpis = _kpis(engine, table, profile)
    dates = profile.by_role("date")
    if dates and profile.rows:
        board.charts.append(_timeseries(engine, table, dates[0], value, value_name, measure))
    dimensions = sorted(profile.by_role("dimension"), key=lambda c: c.distinct)
    for dim in dimensions[:MAX_BARS]:
        board.charts.append(_bars(engine, table, dim, value, value_name))
    for m in sorted(profile.by_role("measure"), key=lambda c: c is not measure)[:MAX_HISTOGRAMS]:
        if m.minimum is not None and m.maximum is not None and m.maximum != m.minimum:
            board.charts.append(_histogram(engine, table, m))
    if len(dimensions) >= 2:
        board.charts.append(_heatmap(engine, table, dimensions[0], dimensions[1], value, value_name))
    return board


def _kpis(engine: Engine, table: sa.Table, profile: TableProfile) -> list[Kpi]:
    kpis = [Kpi("Rows", f"{profile.rows:,}", "How much data the table holds.")]
    measures = profile.by_role("measure")[:3]
    if measures:
        averaged = [bool(_PER_UNIT.search(m.name)) for m in measures]
        aggregate = [sa.func.avg if avg else sa.func.sum for avg in averaged]
        query = sa.select(*(agg(sa.cast(table.c[m.name], sa.Float)) for agg, m in zip(aggregate, measures)))
        with engine.connect() as conn:
            totals = conn.execute(query).one()
        for m, total, avg in zip(measures, totals, averaged):
            label, reason = (
                (f"Average {_label(m.name)}", f"{m.name} is a price or rate: a sum of it means nothing; its average.")
                if avg
                else (f"Total {_label(m.name)}", f"{m.name} is a measure: its sum.")
            )
            whole = not avg and "INT" in m.sql_type.upper()  # a count of items reads 682,270, not 682,270.00
            kpis.append(Kpi(label, f"{float(total or 0):,.0f}" if whole else f"{float(total or 0):,.2f}", reason))
    for d in profile.by_role("date")[:1]:
        if d.minimum is not None:
            # The range goes in the label: a tile's value is cut to about 15 characters.
            days = span_days(d)
            kpis.append(
                Kpi(
                    f"{_label(d.name)}: {d.minimum} to {d.maximum}",
                    f"{days:,} day{'s' if days != 1 else ''}" if days else f"{d.minimum}",
                    f"{d.name} is the table's date; the tile shows how many days its range spans.",
                )
            )
    return kpis


def _timeseries(engine, table, date: ColumnProfile, value, value_name, measure) -> ChartSpec:
    day = day_of(table.c[date.name], engine.dialect).label("day")
    query = sa.select(day, value.label("value")).where(table.c[date.name].is_not(None)).group_by(day).order_by(day)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame({"date": [pd.Timestamp(to_date(r[0])) for r in rows], "value": [float(r[1]) for r in rows]})
    span = span_days(date)
    grain, note = "daily", ""
    if span > WEEKLY_AFTER_DAYS and not frame.empty:
        first, last = frame["date"].min(), frame["date"].max()
        weekly = frame.set_index("date")["value"].resample("W-MON", label="left", closed="left").sum().reset_index()
        # A week the data only partly covers would plunge at either end of the line.
        whole = (weekly["date"] >= first) & (weekly["date"] + pd.Timedelta(days=6) <= last)
        if whole.any():
            if not whole.all():
                note = " The first or last week, which the data covers only in part, is left out."
            frame, grain = weekly[whole].reset_index(drop=True), "weekly"
    what = measure.name if measure else "row count"
    return ChartSpec(
        "timeseries",
        f"{value_name.capitalize()} by {grain[:-2] if grain == 'weekly' else 'day'}",
        f"{date.name} is a date and {what} a measure: a {grain} line shows the trend and seasonality "
        f"over {span:,} days.{note}",
        frame.rename(columns={"value": value_name}),
        "date",
        value_name,
    )


def _bars(engine, table, dim: ColumnProfile, value, value_name) -> ChartSpec:
    col = table.c[dim.name]
    query = sa.select(col.label("key"), value.label("value")).group_by(col).order_by(value.desc())
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(
        {
            dim.name: [str(r[0]) if r[0] is not None else "(empty)" for r in rows],
            value_name: [float(r[1] or 0) for r in rows],
        }
    )
    return ChartSpec(
        "bar",
        f"{value_name.capitalize()} by {_label(dim.name)}",
        f"{dim.name} has {dim.distinct} values: few enough to compare side by side.",
        frame,
        dim.name,
        value_name,
    )


def _histogram(engine, table, measure: ColumnProfile) -> ChartSpec:
    low, high = float(measure.minimum), float(measure.maximum)
    width = (high - low) / HISTOGRAM_BINS
    col = sa.cast(table.c[measure.name], sa.Float)
    bucket = sa.cast((col - low) / width, sa.Integer).label("bucket")
    query = sa.select(bucket, sa.func.count()).where(table.c[measure.name].is_not(None)).group_by(bucket)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    counts = [0] * HISTOGRAM_BINS
    for b, n in rows:
        counts[min(max(int(b), 0), HISTOGRAM_BINS - 1)] += int(n)  # the maximum itself falls in the last bin
    frame = pd.DataFrame({measure.name: [low + (i + 0.5) * width for i in range(HISTOGRAM_BINS)], "rows": counts})
    return ChartSpec(
        "histogram",
        f"Distribution of {_label(measure.name)}",
        f"{measure.name} is a measure from {low:,.2f} to {high:,.2f} (mean {measure.mean:,.2f}, "
        f"std {measure.stddev:,.2f}): a histogram shows its spread and skew.",
        frame,
        measure.name,
        "rows",
    )


def _heatmap(engine, table, first: ColumnProfile, second: ColumnProfile, value, value_name) -> ChartSpec:
    a, b = table.c[first.name], table.c[second.name]
    query = sa.select(a, b, value.label("value")).group_by(a, b)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=[first.name, second.name, value_name])
    frame[value_name] = pd.to_numeric(frame[value_name]).astype(float)
    return ChartSpec(
        "heatmap",
        f"{value_name.capitalize()} by {_label(first.name)} and {_label(second.name)}",
        f"{first.name} ({first.distinct} values) and {second.name} ({second.distinct}) are the two "
        "smallest dimensions: a heatmap shows where they meet.",
        frame,
        second.name,
        first.name,
        value_name,
    )
