""" "What if": analysts change segments of a forecast and save the scenario; everyone may read saved ones.

The page only places widgets; the model, goal seek and storage live in
:mod:`elt_project.analytics.whatif`. Every button that computes or saves checks the
role again when clicked, and tables are limited to the person's readable ones.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from elt_project.analytics import access
from elt_project.analytics.tables import date_columns, measure_columns
from elt_project.analytics.whatif import goal as goal_seek
from elt_project.analytics.whatif import store
from elt_project.analytics.whatif.cells import segment_columns, segment_values
from elt_project.analytics.whatif.figure import scenario_figure
from elt_project.analytics.whatif.model import run_scenario
from elt_project.analytics.whatif.spec import KINDS, Change, Goal, ScenarioSpec, make_change
from elt_project.auth.roles import has_role
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
from elt_project.hub.text import literal_markdown

MIN_ROLE = "user"
RUN_ROLE = "analyst"
CHANGES_KEY, RESULT_KEY = "whatif_changes", "whatif_result"


def _show_result(payload: dict, actual: pd.DataFrame | None = None, key: str = "run") -> None:
    """Totals, chart, and the difference by change and by kind, from a result's JSON."""
    totals, basis = payload["totals"], payload["basis"]
    left, middle, right = st.columns(3)
    left.metric("Baseline", f"{totals['baseline']:,.0f}")
    middle.metric("Scenario", f"{totals['scenario']:,.0f}", delta=f"{totals['difference']:+,.0f}")
    right.metric("Volume / rate", f"{payload['by_kind']['volume']:+,.0f} / {payload['by_kind']['rate']:+,.0f}")
    st.caption(
        f"Forecast basis: data through {basis['data_through']}, model {literal_markdown(basis['model'])}. "
        f"Bands: baseline {totals['baseline_lower']:,.0f} to {totals['baseline_upper']:,.0f}, "
        f"scenario {totals['scenario_lower']:,.0f} to {totals['scenario_upper']:,.0f}."
    )
    for note in payload["notes"]:
        st.caption(literal_markdown(note))
    spec = payload["spec"]
    st.markdown(f"**{literal_markdown(spec['table'])}.{literal_markdown(spec['measure'])} per day**")
    st.plotly_chart(scenario_figure(payload, actual), key=f"whatif_chart_{key}")
    if payload["by_change"]:
        show_table(pd.DataFrame(payload["by_change"]), key=f"whatif_by_change_{key}", file_name="scenario_changes.csv")
    if payload.get("goal"):
        st.markdown(f"**{literal_markdown(payload['goal']['answer'])}**")


def _builder(engine, table: str) -> None:
    """Dimension, value, kind, percent and start of one change; "Add change" appends it to the list."""
    dims = segment_columns(engine, table)
    if not dims:
        st.info("This table has no text column with 2 to 50 values to make segments of.")
        return
    left, middle, right = st.columns(3)  # one row per st.columns call keeps the phone's stacking order
    dimension = left.selectbox("Segment column", dims, key="whatif_dimension")
    value = middle.selectbox("Segment value", segment_values(engine, table, dimension), key="whatif_value")
    kind = right.selectbox("Kind", KINDS, key="whatif_kind")
    left, middle, right = st.columns(3, vertical_alignment="bottom")
    percent = left.number_input("Percent", value=10.0, step=1.0, key="whatif_percent", disabled=kind == "drop")
    start = middle.date_input("From (empty: first forecast day)", value=None, key="whatif_start")
    if right.button("Add change", icon=":material/add:", key="whatif_add"):
        session.require_role(RUN_ROLE)
        try:
            change = make_change(dimension, str(value), kind, percent, start)
        except EltError as exc:
            st.error(literal_markdown(str(exc)))
        else:
            st.session_state[CHANGES_KEY] = [*st.session_state.get(CHANGES_KEY, []), change.to_json()]


def _analyst_section(engine, account) -> None:
    tables = [t for t in sorted(access.readable_tables(engine, account)) if date_columns(engine, t)]
    if not tables:
        st.info("No table with a date column is open to you yet.")
        return
    left, middle, right = st.columns(3)
    table = left.selectbox("Table", tables, key="whatif_table")
    measure = middle.selectbox("Measure", measure_columns(engine, table), key="whatif_measure")
    date_column = right.selectbox("Date column", date_columns(engine, table), key="whatif_date_column")
    horizon = st.columns(3)[0].number_input("Horizon (days)", 7, 730, 90, key="whatif_horizon")
    if measure is None:
        st.info("This table has no numeric column to forecast.")
        return
    _builder(engine, table)
    changes = [Change.from_json(c) for c in st.session_state.get(CHANGES_KEY, [])]
    for change in changes:
        st.markdown(f"- {literal_markdown(change.describe())}")
    if changes and st.button("Clear changes", key="whatif_clear"):
        st.session_state[CHANGES_KEY] = []
        st.rerun()
    with st.expander("Goal seek (optional)"):
        g_left, g_middle, g_right = st.columns(3)
        target = g_left.number_input("Target", min_value=0.0, value=0.0, key="whatif_target")
        by = g_middle.date_input("By", value=None, key="whatif_by")
        scope = g_right.radio("Target of", ["segment", "total"], key="whatif_scope", horizontal=True)
        st.caption("The growth of the segment chosen above that makes its total (or the table's) reach the target.")
    if st.button("Run scenario", type="primary", icon=":material/play_arrow:", key="whatif_run"):
        session.require_role(RUN_ROLE)  # checked again at the click, not only when drawing
        goal = None
        dimension, value = st.session_state.get("whatif_dimension"), st.session_state.get("whatif_value")
        if target > 0 and by is not None and dimension and value is not None:
            goal = Goal(dimension, str(value), target, by, scope)
        try:
            spec = ScenarioSpec(table, measure, date_column, int(horizon), tuple(changes), goal)
            with st.spinner("Fitting the segments' forecasts…"):
                result = run_scenario(engine, spec)
            payload = result.to_json()
            if goal:
                payload["goal"] = goal_seek.seek(result, goal).to_json()
        except EltError as exc:
            st.error(literal_markdown(str(exc)))
            return
        st.session_state[RESULT_KEY] = (result, payload)
    if RESULT_KEY not in st.session_state:
        return
    result, payload = st.session_state[RESULT_KEY]
    _show_result(payload)
    name = st.text_input("Save as", key="whatif_name")
    if st.button("Save scenario", icon=":material/save:", key="whatif_save"):
        saver = session.require_role(RUN_ROLE)
        try:
            store.save_scenario(engine, result, name, saver)
        except EltError as exc:
            st.error(literal_markdown(str(exc)))
        else:
            st.success(f"Saved as {literal_markdown(name.strip())}.")


def _saved_section(engine, account) -> None:
    st.subheader("Saved scenarios")
    saved = store.list_scenarios(engine, account)
    if not saved:
        st.caption("No saved scenario on a table open to you yet.")
        return
    names = [s.name for s in saved]
    chosen = st.selectbox("Scenario", names, key="whatif_saved")
    session.require_role(MIN_ROLE)
    try:
        picked = store.get_scenario(engine, chosen, account)
        compared = store.compare_with_actual(engine, picked)
    except EltError as exc:  # e.g. the table was dropped or renamed since
        st.error(literal_markdown(str(exc)))
        return
    st.caption(
        f"Saved by {literal_markdown(picked.created_by)} at {picked.created_at:%Y-%m-%d %H:%M}; "
        + "; ".join(literal_markdown(Change.from_json(c).describe()) for c in picked.spec["changes"])
    )
    summary = store.comparison_summary(compared)
    _show_result(picked.result, compared, key="saved")
    st.markdown(literal_markdown(summary["answer"]))


def render() -> None:
    account = session.require_role(MIN_ROLE)
    st.title("What if?")
    engine = session.hub_engine()
    if has_role(account.role, RUN_ROLE):
        st.caption("Change segments of a forecast (volume, price or drop, from a date) and compare with the baseline.")
        _analyst_section(engine, account)
    else:
        st.caption("Scenarios analysts saved, and how they compare with what happened since.")
    _saved_section(engine, account)


PAGE = HubPage(title="What if", icon=":material/alt_route:", min_role=MIN_ROLE, render=render, url_path="whatif")
