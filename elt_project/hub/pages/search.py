"""Semantic search: tables, columns and rows by meaning, as far as the person may see them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from elt_project.analytics.search import search_warehouse
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
from elt_project.hub.text import literal_markdown

ENGINE_NAMES = {
    "embeddings": "local sentence-embedding model",
    "openai": "OpenAI embeddings",
    "tfidf": "TF-IDF (keyword fallback: the embedding model is not installed)",
}


def render() -> None:
    account = session.require_role("analyst")
    st.title("Search")
    st.caption("Find rows, tables and columns by meaning, e.g. “kitchen appliance” or “clothes for rainy weather”.")
    query = st.text_input("What are you looking for?", key="search_query")
    limit = st.slider("Results", 5, 50, 10, key="search_limit")
    if not query.strip():
        return
    session.require_role("analyst")
    try:
        with st.spinner("Searching… (the first search builds the index; loads keep it up to date)"):
            engine_name, hits, report = search_warehouse(
                session.hub_engine(), session.hub_settings(), query, account=account, limit=limit
            )
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    refreshed = literal_markdown(report.summary()) if report else ""
    st.caption(f"Engine: {ENGINE_NAMES.get(engine_name, engine_name)}. {refreshed}")
    # Scores are similarities to the query after centring: at or below 0 a result is no closer to the
    # query than any value is on average, so it is not shown as a match.
    hits = [h for h in hits if h.score > 0]
    if not hits:
        st.info("Nothing found.")
        return
    show_table(
        pd.DataFrame(
            [
                {
                    "score": round(h.score, 3),
                    "table": h.table,
                    "key": h.key or "",
                    "what": h.kind,
                    "text": h.text,
                    "more like it": h.similar,
                }
                for h in hits
            ]
        ),
        key="search_hits",
        file_name="search_results.csv",
        column_config={"score": st.column_config.ProgressColumn("Score", min_value=0.0, max_value=1.0, format="%.3f")},
    )


PAGE = HubPage(title="Search", icon=":material/search:", min_role="analyst", render=render, url_path="search")
