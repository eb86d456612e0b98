"""Ask: plain-English questions (or your own SELECT) answered with checked, read-only SQL."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from elt_project.analytics import hub_config
from elt_project.analytics.jsonable import json_rows
from elt_project.analytics.nl2sql import Answer, answer, ask_context, run_sql
from elt_project.auth.roles import has_role
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
from elt_project.hub.text import literal_markdown

_RESULT = "ask_result"
_ENGINE_NAMES = {"offline": "built-in parser", "llm": "language model", "sql": "your SQL"}


def _chart(frame: pd.DataFrame) -> None:
    """A bar or line chart when the result is one label column and numbers."""
    if len(frame) < 2 or len(frame.columns) < 2:
        return
    label, *values = frame.columns
    numeric = [c for c in values if pd.api.types.is_numeric_dtype(frame[c])]
    if not numeric or pd.api.types.is_numeric_dtype(frame[label]):
        return
    data = frame.set_index(label)[numeric[:1]]
    if label in ("day", "week", "month", "quarter", "year"):
        st.line_chart(data)
    elif len(values) == 1:
        st.bar_chart(data, horizontal=True, sort=False)  # keeps a ranking's order; long names stay readable


def _show(result: Answer, question: str | None) -> None:
    engine_name = _ENGINE_NAMES.get(result.engine, result.engine)
    st.caption(f"Answered by the {engine_name}. {literal_markdown(result.explanation)}")
    frame = pd.DataFrame(json_rows(result.rows), columns=result.columns)
    if len(frame) == 1 and len(frame.columns) == 1:
        value = frame.iat[0, 0]
        st.metric(literal_markdown(result.columns[0]), f"{value:,.2f}" if isinstance(value, float) else value)
    else:
        _chart(frame)
        show_table(frame, key="ask_rows", file_name="answer.csv")
    with st.expander("SQL", expanded=False):
        st.code(result.sql, language="sql")
    if question and st.button("Save as an example", icon=":material/bookmark_add:", key="ask_save_example"):
        account = session.require_role("analyst")
        hub_config.save_example(session.hub_engine(), question, result.sql, by=account.username)
        st.success("Saved: the language model will see this pair as an example.")


def _run(work) -> None:
    try:
        with st.spinner("Working out the answer…"):
            account = session.require_role("analyst")
            context = ask_context(session.hub_engine(), session.hub_settings(), account=account)
            st.session_state[_RESULT] = work(context)
    except EltError as exc:
        st.session_state.pop(_RESULT, None)
        st.warning(literal_markdown(str(exc)))


def _admin_panel() -> None:
    engine = session.hub_engine()
    with st.expander("Tables the hub may query (admin)"):
        candidates = [t for t in hub_config.warehouse_tables(engine) if not hub_config.is_protected(t)]
        current = sorted(hub_config.allowed_tables(engine))
        chosen = st.multiselect("Allowed tables", candidates, default=current, key="ask_allowed_tables")
        sees_rows = st.checkbox(
            "Let the language model see data: result rows (to explain them) and stories' figures (to reword them)",
            value=hub_config.llm_may_see_rows(engine),
            key="ask_llm_rows",
        )
        if st.button("Save", key="ask_admin_save"):
            account = session.require_role("admin")
            try:
                hub_config.set_allowed_tables(engine, chosen, by=account.username)
                hub_config.set_option(engine, hub_config.LLM_SEES_ROWS, "1" if sees_rows else "0", by=account.username)
                st.success("Saved.")
            except EltError as exc:
                st.error(literal_markdown(str(exc)))


def render() -> None:
    account = session.require_role("analyst")
    st.title("Ask")
    st.caption("Ask about the data in plain English, e.g. “revenue by region in 2025” or “top 5 products last month”.")
    with st.form("ask_form"):
        question = st.text_input("Question", key="ask_question", placeholder="Total revenue by channel last quarter")
        asked = st.form_submit_button("Ask", type="primary", icon=":material/search:")
    if asked and question.strip():
        session.require_role("analyst")
        st.session_state["ask_last_question"] = question.strip()
        _run(lambda context: answer(question, context))
    with st.expander("Write your own SQL"):
        statement = st.text_area("SELECT statement", key="ask_sql", height=120)
        if st.button("Run SQL", key="ask_run_sql") and statement.strip():
            session.require_role("analyst")
            st.session_state["ask_last_question"] = None
            _run(lambda context: run_sql(statement, context))
    result = st.session_state.get(_RESULT)
    if isinstance(result, Answer):
        _show(result, st.session_state.get("ask_last_question") if result.engine != "sql" else None)
    if has_role(account.role, "admin"):
        _admin_panel()


PAGE = HubPage(title="Ask", icon=":material/forum:", min_role="analyst", render=render, url_path="ask")
