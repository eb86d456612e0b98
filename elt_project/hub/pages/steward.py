"""Data Steward: edit an allow-listed table in a grid; the save is one audited, all-checked upsert."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from elt_project.analytics import access
from elt_project.analytics.steward import allowlist, audit
from elt_project.analytics.steward.changes import changes_from_edit, key_text
from elt_project.analytics.steward.save import apply_changes
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
from elt_project.hub.text import literal_markdown

#: Rows opened in the grid at once (the rest stay out of reach of this save).
MAX_ROWS = 1_000
DELETE = "delete?"
FLASH = "steward_last_save"


def _read(engine, table: sa.Table) -> list[dict]:
    keys = list(table.primary_key.columns)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(*keys).limit(MAX_ROWS)).mappings()]


def _grid(rows: list[dict], table: sa.Table) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    for column in frame.columns:  # Decimals become floats so the grid edits them as numbers
        if frame[column].map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = frame[column].map(lambda v: float(v) if v is not None else None)
    frame.insert(0, DELETE, False)
    return frame


def _show_refused(refused) -> None:
    for conflict in refused:
        st.error(literal_markdown(f"Row {conflict.key}: {conflict.reason}."))
        if conflict.cells:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "column": c.column,
                            "you saw": c.you_saw,
                            "now in the database": c.in_database,
                            "yours": c.yours,
                        }
                        for c in conflict.cells
                    ]
                ),
                hide_index=True,
            )


def _reopen(engine, table: sa.Table, snapshot_key: str, version_key: str) -> None:
    """Read the rows afresh (the optimistic check compares against this copy) and reset the grid."""
    st.session_state[snapshot_key] = _read(engine, table)
    st.session_state[version_key] = st.session_state.get(version_key, 0) + 1


def _show_flash() -> None:
    flash = st.session_state.pop(FLASH, None)
    if flash is None:
        return
    summary, warnings, refused = flash
    st.success(literal_markdown(summary))
    for warning in warnings:
        st.warning(literal_markdown(warning))
    _show_refused(refused)


def render() -> None:
    account = session.require_role("steward")
    st.title("Data Steward")
    engine = session.hub_engine()
    scope = access.scope_for(engine, account)
    tables = [name for name in allowlist.allowed_tables(engine) if scope.may_read_table(name)]
    if not tables:
        st.info("No table is open for editing yet; an admin can allow one in the Configuration Manager.")
        return
    name = st.selectbox("Table", tables, key="steward_table")
    try:
        table = allowlist.require_allowed(engine, name)
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    snapshot_key, version_key = f"steward_snapshot_{name}", f"steward_version_{name}"
    reload = st.button("Reload from the warehouse", key="steward_reload")
    if reload or snapshot_key not in st.session_state:
        _reopen(engine, table, snapshot_key, version_key)
    _show_flash()
    original = st.session_state[snapshot_key]
    keys = [c.name for c in table.primary_key.columns]
    st.caption(
        f"Key: {', '.join(keys)}. Edit cells, add rows at the bottom, tick '{DELETE}' to remove a row. "
        f"Showing up to {MAX_ROWS:,} rows."
    )
    grid_key = f"steward_grid_{name}_{st.session_state.get(version_key, 0)}"
    edited = st.data_editor(_grid(original, table), num_rows="dynamic", hide_index=True, key=grid_key)
    if st.button("Save changes", type="primary", key="steward_save"):
        account = session.require_role("steward")  # re-checked at the action, not only when drawing
        if not access.scope_for(engine, account).may_read_table(name):
            st.error(f"Table {literal_markdown(name)} belongs to a pipeline you are not granted; nothing was saved.")
            return
        records = edited.to_dict("records")
        deleted = [r for r in records if r.get(DELETE) is True]
        kept = [{k: v for k, v in r.items() if k != DELETE} for r in records]
        try:
            changes = changes_from_edit(table, original, kept, deleted)
            if not changes:
                st.info("Nothing changed.")
            else:
                result = apply_changes(engine, name, changes, username=account.username, refuse_all_on_conflict=False)
                # The grid starts afresh from the warehouse; the outcome is shown after the rerun.
                st.session_state[FLASH] = (result.summary(name), result.warnings, result.refused)
                _reopen(engine, table, snapshot_key, version_key)
                st.rerun()
        except EltError as exc:
            st.error(literal_markdown(str(exc)))
            _show_refused(getattr(exc, "conflicts", []))
    st.subheader("History of a row")
    choices = [key_text({k: row[k] for k in keys}) for row in original]
    chosen = st.selectbox("Row", choices, index=None, placeholder="Pick a row key", key="steward_history_row")
    if chosen:
        entries = audit.row_history(engine, name, chosen)
        if entries:
            show_table(pd.DataFrame([e.__dict__ for e in entries]), key="steward_history", file_name="row_history.csv")
        else:
            st.caption("No audited change of this row yet.")


PAGE = HubPage(title="Data Steward", icon=":material/edit_note:", min_role="steward", render=render, url_path="steward")
