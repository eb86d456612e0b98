"""Auto-dashboard: pick a table, get KPI tiles and charts chosen from its profile, each with its reason."""

from __future__ import annotations

import streamlit as st

from elt_project.analytics import access, charts, llm_refine
from elt_project.analytics.dashboard import build_dashboard
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.text import literal_markdown

MIN_ROLE = "analyst"
KPIS_PER_ROW = 3


def render() -> None:
    account = session.require_role(MIN_ROLE)
    st.title("Auto-dashboard")
    st.caption("Charts chosen from the table's profile, the way Metabase's X-rays do.")
    engine = session.hub_engine()
    tables = sorted(access.readable_tables(engine, account))
    if not tables:
        st.info("No table is open to the hub yet.")
        return
    default = tables.index("dest_sales") if "dest_sales" in tables else 0
    table = st.selectbox("Table", tables, index=default, key="dashboard_table")
    try:
        with st.spinner("Profiling the table…"):
            board = build_dashboard(engine, table)
        llm = llm_refine.refinement_model(engine, session.hub_settings(), sees_data=False)
        with st.spinner("Asking the language model to arrange the charts…"):
            arranged = llm_refine.refine_dashboard(board, llm)
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    st.caption(literal_markdown(arranged.note))
    for start in range(0, len(board.kpis), KPIS_PER_ROW):  # more per row and the values get cut
        row = board.kpis[start : start + KPIS_PER_ROW]
        for column, kpi in zip(st.columns(KPIS_PER_ROW), row):
            column.metric(literal_markdown(kpi.label), kpi.value, help=literal_markdown(kpi.reason))
    if not board.charts:
        st.info("This table has no date, measure or low-cardinality column to chart.")
    grid = st.columns(2)
    for index, chart in enumerate(board.charts):
        with grid[index % 2]:
            st.markdown(f"**{literal_markdown(chart.title)}**")
            st.plotly_chart(charts.chart_figure(chart), key=f"dashboard_chart_{index}")
            st.caption(f"Why this chart: {literal_markdown(chart.reason)}")
    with st.expander("Column profile"):
        for column in board.profile.columns:
            st.text(column.describe())


PAGE = HubPage(
    title="Auto-dashboard", icon=":material/dashboard:", min_role=MIN_ROLE, render=render, url_path="auto_dashboard"
)
