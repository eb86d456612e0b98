"""A short written story of what changed in a table's last period, from the numbers alone.

Templates turn four facts into sentences: the total's change against the period
before, the segments that moved most (root cause over the period), the anomalies
the batch models flagged in it, and where the stored forecast points next. No LLM
is needed. A configured language model may reword the sentences
(:func:`elt_project.analytics.llm_refine.polish_story`, which keeps its wording
only when every figure survives unchanged); ``text`` is then that wording.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.root_cause import explain_change
from elt_project.analytics.tables import column, guess_date_column, is_numeric_type, reflect_table, to_date
from elt_project.db.schema import analytics_config, analytics_predictions
from elt_project.errors import ConfigurationError


@dataclass
class Story:
    table: str
    measure: str
    start: dt.date
    end: dt.date
    sentences: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    polished: str | None = None

    @property
    def text(self) -> str:
        return self.polished or " ".join(self.sentences)


def _default_measure(engine: Engine, table: sa.Table) -> str:
    """The value column an analytics_config row names for this table, else its first plain numeric column."""
    c = analytics_config
    query = sa.select(c.c.value_column).where(c.c.target_table == table.name, c.c.is_active == 1).order_by(c.c.id)
    with engine.connect() as conn:
        configured = [v for v in conn.execute(query).scalars() if v in table.c]
    if configured:
        return configured[0]
    for col in table.c:
        name = col.name.lower()
        if is_numeric_type(col.type) and not (col.primary_key or name == "id" or name.endswith(("_id", "_number"))):
            return col.name
    raise ConfigurationError(f"Table '{table.name}' has no numeric column to tell a story about; pick a measure.")


def table_story(
    engine: Engine,
    table_name: str,
    *,
    date_column: str | None = None,
    measure: str | None = None,
    period_days: int = 7,
) -> Story:
    """The story of the newest ``period_days`` days of ``table_name`` against the days before."""
    table = reflect_table(engine, table_name)
    date_col = column(table, date_column) if date_column else guess_date_column(table)
    measure = measure or _default_measure(engine, table)
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(date_col))).scalar()
    if newest is None:
        raise ConfigurationError(f"Table '{table_name}' has no dated rows yet; load data first.")
    end = to_date(newest)
    start = end - dt.timedelta(days=period_days - 1)
    label = measure.replace("_", " ")
    story = Story(table_name, measure, start, end)
    cause = explain_change(
        engine, table_name, measure, start, end=end, baseline="previous_period", date_column=date_col.name
    )
    pct = cause.change_pct
    story.facts.update(current=cause.current, baseline=cause.baseline, change=cause.change, change_pct=pct)
    period = f"the {period_days} days to {end.isoformat()}"
    if pct is None:
        story.sentences.append(f"In {period}, {label} totalled {cause.current:,.2f}.")
    elif abs(pct) < 0.01:
        story.sentences.append(f"In {period}, {label} held steady at {cause.current:,.2f} (change under 1%).")
    else:
        verb = "rose" if pct > 0 else "fell"
        story.sentences.append(
            f"In {period}, {label} {verb} {abs(pct):.0%} to {cause.current:,.2f} against the {period_days} days before."
        )
    movers = biggest_movers(cause.drivers)
    story.facts["movers"] = [(_named_segment(d), d.change) for d in movers]
    if movers:
        story.sentences.append(movers_sentence(movers))
    anomalies = _anomaly_days(engine, table_name, start, end)
    story.facts["anomalies"] = anomalies
    if anomalies:
        days = ", ".join(d.isoformat() for d in anomalies)
        story.sentences.append(f"The models flagged {len(anomalies)} unusual day(s): {days}.")
    direction = _forecast_direction(engine, table_name, date_col.name, measure, cause.current, end, period_days)
    story.facts["forecast"] = direction
    if direction is not None:
        word = "up" if direction > 0.01 else "down" if direction < -0.01 else "flat"
        tail = f" ({direction:+.0%})" if word != "flat" else ""
        story.sentences.append(f"The forecast for the next {period_days} days points {word}{tail}.")
    return story


def biggest_movers(drivers: list, *, count: int = 2) -> list:
    """The ``count`` most surprising segments (|score| >= 2), largest absolute change first."""
    surprising = [d for d in drivers if abs(d.score) >= 2][:count]
    return sorted(surprising, key=lambda d: abs(d.change), reverse=True)


def movers_sentence(movers: list) -> str:
    """ "The biggest movers were channel Partner (+64,917.51) and store type Office (+50,195.79)."

    Each segment names its dimension, because two movers may come from different columns.
    """
    parts = [f"{_named_segment(d)} ({'+' if d.change > 0 else '-'}{abs(d.change):,.2f})" for d in movers]
    return f"The biggest movers were {' and '.join(parts)}."


def _named_segment(driver) -> str:
    """``region West × channel Online``: each value after the words of its column's name."""
    return " × ".join(f"{name.replace('_', ' ')} {value}" for name, value in driver.segment.items())


def _anomaly_days(engine: Engine, table_name: str, start: dt.date, end: dt.date) -> list[dt.date]:
    p = analytics_predictions
    query = (
        sa.select(p.c.prediction_date)
        .distinct()
        .where(
            p.c.target_table == table_name,
            p.c.is_anomaly == 1,
            p.c.prediction_date >= dt.datetime.combine(start, dt.time()),
            p.c.prediction_date < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
        )
        .order_by(p.c.prediction_date)
    )
    with engine.connect() as conn:
        return [to_date(d) for d in conn.execute(query).scalars()]


def _forecast_direction(
    engine: Engine, table_name: str, date_column: str, measure: str, current: float, end: dt.date, period_days: int
) -> float | None:
    """Relative change of the forecast's next ``period_days`` against the last period's actual total."""
    c, p = analytics_config, analytics_predictions
    config_id = (
        sa.select(c.c.id)
        .where(
            c.c.target_table == table_name,
            c.c.date_column == date_column,
            c.c.value_column == measure,
            c.c.model_type == "forecast",
            c.c.is_active == 1,
        )
        .order_by(c.c.id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(p.c.predicted_value)
        .where(
            p.c.config_id == config_id,
            p.c.actual_value.is_(None),
            p.c.prediction_date >= dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
        )
        .order_by(p.c.prediction_date)
        .limit(period_days)
    )
    with engine.connect() as conn:
        ahead = [float(v) for v in conn.execute(query).scalars() if v is not None]
    if len(ahead) < period_days or not current:
        return None
    return sum(ahead) / current - 1


def configured_stories(engine: Engine, allowed: set[str] | None = None) -> list[Story]:
    """The story of each table an active analytics_config row watches (those in ``allowed`` only, if given)."""
    c = analytics_config
    query = sa.select(c.c.target_table, c.c.date_column, c.c.value_column).where(c.c.is_active == 1).order_by(c.c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    stories, seen = [], set()
    for table, date_column, value_column in rows:
        if table in seen or (allowed is not None and table not in allowed):
            continue
        seen.add(table)
        try:
            stories.append(table_story(engine, table, date_column=date_column, measure=value_column))
        except ConfigurationError:
            continue  # a misconfigured row shows up on the Insights page, not as a broken Home
    return stories
