""" "Why did it change": pick a table, a measure and a day (or arrive from an anomaly) and see the drivers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from elt_project.analytics import access, charts
from elt_project.analytics.root_cause import BASELINE_LABELS, BASELINES, explain_change, summary
from elt_project.analytics.tables import date_columns, measure_columns, reflect_table, to_date
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
from elt_project.hub.text import literal_markdown

MIN_ROLE = "analyst"


def _pick(options: list[str], wanted: str | None) -> int:
    return options.index(wanted) if wanted in options else 0


def _newest_day(engine, table: str, date_column: str) -> dt.date:
    col = reflect_table(engine, table).c[date_column]
    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(col))).scalar()
    return to_date(newest) if newest is not None else dt.date.today()


def render() -> None:
    account = session.require_role(MIN_ROLE)
    st.title("Why did it change?")
    engine = session.hub_engine()
    params = st.query_params
    tables = [t for t in sorted(access.readable_tables(engine, account)) if date_columns(engine, t)]
    if not tables:
        st.info("No table with a date column is open to the hub yet.")
        return
    if params.get("table") and params.get("table") not in tables:
        st.error(f"The table {literal_markdown(params.get('table'))} is not open to you; pick one below.")
    left, middle, right = st.columns(3)
    table = left.selectbox("Table", tables, index=_pick(tables, params.get("table")), key="why_table")
    measures = measure_columns(engine, table) + ["rows"]
    measure = middle.selectbox("Measure", measures, index=_pick(measures, params.get("measure")), key="why_measure")
    dates = date_columns(engine, table)
    date_column = right.selectbox("Date column", dates, key="why_date_column")
    try:
        default_day = dt.date.fromisoformat(params.get("date")) if params.get("date") else None
    except ValueError:
        default_day = None
    day = left.date_input("Day", value=default_day or _newest_day(engine, table, date_column), key="why_day")
    baseline = middle.radio(
        "Compare with",
        BASELINES,
        index=BASELINES.index("same_day_last_week"),
        format_func=lambda b: BASELINE_LABELS[b],
        key="why_baseline",
        horizontal=True,
    )
    session.require_role(MIN_ROLE)  # re-checked before the query runs
    try:
        with st.spinner("Comparing segments…"):
            result = explain_change(engine, table, measure, day, baseline=baseline, date_column=date_column)
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    st.markdown(f"**{literal_markdown(summary(result))}**")
    st.plotly_chart(charts.waterfall_figure(result), key="why_waterfall")
    frame = pd.DataFrame(
        [
            {
                "segment": d.label(),
                "baseline": d.baseline,
                "current": d.current,
                "change": d.change,
                "share of total change": d.contribution,
                "kind": d.kind,
                "rows (baseline → now)": f"{d.baseline_rows} → {d.current_rows}",
                "surprise (σ)": d.score,
            }
            for d in result.drivers
        ]
    )
    if not frame.empty:
        show_table(
            frame,
            key="why_drivers",
            file_name="drivers.csv",
            column_config={
                "share of total change": st.column_config.NumberColumn(format="percent"),
                "surprise (σ)": st.column_config.NumberColumn(format="%.1f"),
            },
        )
    st.caption(
        f"Segments of {literal_markdown(', '.join(result.dimensions)) or 'no categorical column'} and their pairs, "
        "ranked by how far "
        "each moved against its own baseline. kind: mix = its share of rows moved, rate = its value per row "
        "moved, volume = the whole table grew or shrank."
    )


PAGE = HubPage(
    title="Why did it change", icon=":material/troubleshoot:", min_role=MIN_ROLE, render=render, url_path="why"
)
