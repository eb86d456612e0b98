"""Configuration Manager (admins): analytics models, tables open to stewards, and the ELT configs checked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from elt_project.analytics import config_manager, glossary, hub_config
from elt_project.analytics.steward import allowlist
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
from elt_project.hub.text import literal_markdown


def _analytics_models(engine) -> None:
    rows = config_manager.list_configs(engine)
    if rows:
        show_table(pd.DataFrame(rows), key="cfg_models", file_name="analytics_config.csv")
    else:
        st.caption("No analytics model is configured yet.")
    existing = {f"#{r['id']} {r['target_table']}.{r['value_column']} ({r['model_type']})": r for r in rows}
    picked = st.selectbox("Edit", ["New model", *existing], key="cfg_pick")
    current = existing.get(picked, {})
    tables = sorted(hub_config.allowed_tables(engine))
    if not tables:
        st.info("The warehouse has no table the hub may read yet.")
        return
    table = st.selectbox(
        "Target table",
        tables,
        index=tables.index(current["target_table"]) if current.get("target_table") in tables else 0,
        key="cfg_table",
    )
    columns = config_manager.columns_for(engine, table)
    types = config_manager.model_types()

    def index_of(options, value):
        return options.index(value) if value in options else 0

    with st.form("cfg_form"):
        date_column = st.selectbox(
            "Date column", columns.dates, index=index_of(columns.dates, current.get("date_column"))
        )
        value_column = st.selectbox(
            "Value column", columns.values, index=index_of(columns.values, current.get("value_column"))
        )
        model_type = st.selectbox("Model type", types, index=index_of(types, current.get("model_type")))
        webhook = st.text_input("Alert webhook URL (optional)", value=current.get("alert_webhook_url") or "")
        active = st.checkbox("Active", value=bool(current.get("is_active", 1)))
        saved = st.form_submit_button("Save", type="primary")
    if saved:
        session.require_role("admin")
        values = {
            "target_table": table,
            "date_column": date_column,
            "value_column": value_column,
            "model_type": model_type,
            "alert_webhook_url": webhook,
            "is_active": active,
        }
        try:
            config_id = config_manager.save_config(engine, values, config_id=current.get("id"))
            st.success(f"Saved analytics config #{config_id}.")
        except EltError as exc:
            st.error(literal_markdown(str(exc)))
    if current and st.button(f"Delete config #{current['id']}", key="cfg_delete"):
        session.require_role("admin")
        config_manager.delete_config(engine, current["id"])
        st.success(f"Deleted analytics config #{current['id']}.")


def _steward_tables(engine, account) -> None:
    allowed = allowlist.allowed_tables(engine)
    st.write("Open for editing: " + (literal_markdown(", ".join(allowed)) if allowed else "none"))
    candidates = [
        t for t in sorted(hub_config.warehouse_tables(engine)) if t not in allowed and not hub_config.is_protected(t)
    ]
    left, right = st.columns(2)
    to_allow = left.selectbox("Allow a table", candidates, index=None, key="cfg_allow_table")
    if left.button("Allow", key="cfg_allow") and to_allow:
        session.require_role("admin")
        try:
            allowlist.allow(engine, to_allow, allowed_by=account.username)
            st.success(f"Stewards may now edit {literal_markdown(to_allow)}.")
        except EltError as exc:
            st.error(literal_markdown(str(exc)))
    to_deny = right.selectbox("Close a table", allowed, index=None, key="cfg_deny_table")
    if right.button("Close", key="cfg_deny") and to_deny:
        session.require_role("admin")
        allowlist.deny(engine, to_deny)
        st.success(f"{literal_markdown(to_deny)} is no longer open for editing.")


def _glossary(engine, account) -> None:
    """Business terms Ask understands; filters and expressions are checked before they are saved."""
    terms = glossary.list_terms(engine)
    if terms:
        shown = [{"term": t.term, "kind": t.kind, "table": t.table, "definition": t.definition} for t in terms]
        st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch")
    else:
        st.caption("The glossary is empty.")
    tables = sorted(hub_config.allowed_tables(engine))
    with st.form("glossary_form"):
        term = st.text_input("Term (e.g. cancelled)")
        kind = st.selectbox("Means", glossary.KINDS)
        table = st.selectbox("Table", tables)
        definition = st.text_input("Column, condition or expression (e.g. shipped_at IS NULL, SUM(amount))")
        added = st.form_submit_button("Save term", type="primary")
    if added:
        session.require_role("admin")
        try:
            saved = glossary.add_term(engine, term, kind, table, definition, allowed=set(tables), by=account.username)
            st.success(
                literal_markdown(f"'{saved.term}' now means the {saved.kind} {saved.definition} on {saved.table}.")
            )
        except EltError as exc:
            st.error(literal_markdown(str(exc)))
    to_remove = st.selectbox("Remove a term", [t.term for t in terms], index=None, key="glossary_remove_pick")
    if st.button("Remove", key="glossary_remove") and to_remove:
        session.require_role("admin")
        glossary.remove_term(engine, to_remove)
        st.success(literal_markdown(f"'{to_remove}' removed."))


def _checked_table(key: str, rows, problems) -> None:
    if problems:
        for problem in problems:
            st.warning(literal_markdown(str(problem)))
    else:
        st.caption("No problems found.")
    if rows:
        show_table(pd.DataFrame(rows), key=f"cfg_rows_{key}", file_name=f"{key}.csv")
    else:
        st.caption("No rows.")


def render() -> None:
    account = session.require_role("admin")
    st.title("Configuration Manager")
    engine = session.hub_engine()
    tabs = st.tabs(
        ["Analytics models", "Editable tables", "Glossary", "Pipelines", "Quality rules", "Enrichment rules"]
    )
    with tabs[0]:
        _analytics_models(engine)
    with tabs[1]:
        _steward_tables(engine, account)
    with tabs[2]:
        _glossary(engine, account)
    checked = config_manager.config_tables(engine)
    for tab, name in zip(tabs[3:], ("elt_pipeline_configs", "data_quality_rules", "data_enrichment_rules")):
        with tab:
            _checked_table(name, *checked[name])


PAGE = HubPage(
    title="Configuration Manager", icon=":material/settings:", min_role="admin", render=render, url_path="config"
)
