"""Home: a few KPIs of the sales data and the pipelines' health, for every role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from elt_project.analytics import access, health
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
from elt_project.hub.text import literal_markdown


def render() -> None:
    account = session.require_role("user")
    st.title("Analytics & AI Hub")
    st.caption(f"Welcome, {literal_markdown(account.username)}.")
    engine = session.hub_engine()
    try:
        with st.spinner("Reading the warehouse…"):
            scope = access.scope_for(engine, account)
            readable = access.readable_tables(engine, account, scope)
            kpis = health.sales_kpis(engine, readable)
            state = health.pipeline_health(engine, scope=scope)
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    if kpis:
        for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
            column.metric(kpi.label, kpi.value)
    elif not scope.hidden_tables:  # for someone without access to dest_sales, "no sales data" would mislead
        st.info("No sales data yet: install the demo with `python3 launch.py elt demo` or load a pipeline.")
    from elt_project.analytics import llm_refine, story

    llm = llm_refine.refinement_model(engine, session.hub_settings(), sees_data=True)
    for told in story.configured_stories(engine, readable):
        st.subheader(f"What changed in {literal_markdown(told.table)}")
        worded = llm_refine.polish_story(told, llm)
        st.markdown(literal_markdown(told.text))
        if llm is not None:
            st.caption(literal_markdown(worded.note))
    st.subheader("Pipeline health")
    left, middle, right = st.columns(3)
    left.metric("Failed runs (7 days)", state.failed_runs)
    middle.metric("Quality warnings (7 days)", state.quality_warnings)
    right.metric("Quality failures (7 days)", state.quality_failures)
    if state.recent_runs:
        show_table(pd.DataFrame(state.recent_runs), key="home_runs", file_name="recent_runs.csv")
    else:
        st.caption("No pipeline runs recorded yet.")


PAGE = HubPage(title="Home", icon=":material/home:", min_role="user", render=render, url_path="home")
