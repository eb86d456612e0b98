"""Tables as a person reads them: readable headers, blanks for empty cells, numbers grouped, a safe CSV.

Every data table of the hub goes through :func:`show_table`, so each one gets the
same headers ("Total amount" for ``total_amount``), blank cells instead of ``None``,
thousands separators on numbers, and a "Download as CSV" button whose file has exact
values with spreadsheet formulas escaped (:mod:`elt_project.analytics.exports`). The
grid's own download is switched off (``client.disableDataExport``) because it writes
cells unescaped.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from elt_project.analytics import exports
from elt_project.analytics.display import readable_headers


def show_table(
    frame: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    column_config: dict | None = None,
    download: bool = True,
    **options,
) -> None:
    """Draw ``frame`` for reading and offer its exact values as an escaped CSV named ``file_name``."""
    headers = readable_headers(list(frame.columns))
    shown = frame.rename(columns=headers)
    config = {headers.get(name, name): value for name, value in (column_config or {}).items()}
    for name in frame.columns:
        label = headers[name]
        if label in config:
            continue
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue  # the grid shows missing dates as blanks already
        if pd.api.types.is_numeric_dtype(column):
            config[label] = st.column_config.NumberColumn(label, format="localized")
        elif column.isna().any():  # text (object or pandas' str dtype): the grid would print "None"
            shown[label] = shown[label].astype(object).where(column.notna().to_numpy(), "")
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    st.dataframe(shown, column_config=config, key=f"{key}_grid", **options)
    if download and not frame.empty:
        st.download_button(
            "Download as CSV",
            data=exports.frame_csv(frame),
            file_name=file_name,
            mime="text/csv",
            icon=":material/download:",
            key=f"{key}_csv",
        )
