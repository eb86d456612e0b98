"""Insights: every configured series with its forecast band, anomalies marked, one click to the root cause."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from elt_project.analytics import access, charts, insights
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.text import literal_markdown

MIN_ROLE = "analyst"


def open_why(table: str, measure: str, day: dt.date) -> None:
    """Switch to "Why did it change" on ``day`` (the page reads its inputs from the query string)."""
    from elt_project.hub.pages import why

    target = st.Page(why.render, title=why.PAGE.title, icon=why.PAGE.icon, url_path=why.PAGE.url_path)
    st.switch_page(target, query_params={"table": table, "measure": measure, "date": day.isoformat()})


def _run_now() -> None:
    account = session.require_role(MIN_ROLE)
    engine = session.hub_engine()
    with st.spinner("Fitting the models…"):
        report = run_predictive_analytics(engine, session.hub_settings())
    readable = access.readable_tables(engine, account)
    for outcome in report.outcomes:  # every model runs; only the person's own tables are reported
        if outcome.config.target_table in readable:
            (st.error if outcome.error else st.success)(literal_markdown(outcome.line()))


def render() -> None:
    account = session.require_role(MIN_ROLE)
    st.title("Insights")
    st.caption("Forecasts and anomalies from the daily batch (the run_predictive_analytics asset).")
    engine = session.hub_engine()
    if st.button("Run the models now", icon=":material/play_arrow:", key="insights_run"):
        _run_now()
    try:
        readable = access.readable_tables(engine, account)
        views = [view for view in insights.series_views(engine) if view.target_table in readable]
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    if not views:
        st.info("No active analytics_config rows yet: add one (table, date column, value column, model type).")
        return
    for index, view in enumerate(views):
        st.subheader(literal_markdown(view.title))
        if view.frame.empty:
            st.caption("No predictions yet: run the models.")
            continue
        event = st.plotly_chart(
            charts.forecast_figure(view.frame),  # the subheader already names the series
            key=f"insights_chart_{index}",
            on_select="rerun",
            selection_mode="points",
        )
        for point in (event.selection.points if event else []) or []:
            day = point.get("customdata")
            day = day[0] if isinstance(day, list) and day else day
            if isinstance(day, str):  # only the anomaly markers carry a date
                open_why(view.target_table, view.value_column, dt.date.fromisoformat(day))
        anomalies = view.anomalies
        if anomalies.empty:
            st.caption("No anomalies in this series.")
            continue
        st.caption(f"{len(anomalies)} anomalies. Click a red marker or a button to see why.")
        columns = st.columns(min(len(anomalies), 4))
        for n, row in enumerate(anomalies.itertuples(index=False)):
            day = row.date.date()
            label = f"Why {day.isoformat()}? ({row.actual:,.0f} vs {row.predicted:,.0f})"
            if columns[n % len(columns)].button(label, key=f"why_{index}_{day.isoformat()}"):
                open_why(view.target_table, view.value_column, day)


PAGE = HubPage(title="Insights", icon=":material/monitoring:", min_role=MIN_ROLE, render=render, url_path="insights")
