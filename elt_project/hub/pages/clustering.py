"""Clustering: k-means on a table's numbers (or a dimension's aggregates), k chosen by silhouette."""

from __future__ import annotations

import plotly.express as px
import sqlalchemy as sa
import streamlit as st

from elt_project.analytics import access, charts, clustering, config_manager
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.text import literal_markdown


def render() -> None:
    account = session.require_role("analyst")
    st.title("Clustering")
    engine = session.hub_engine()
    tables = sorted(access.readable_tables(engine, account))
    if not tables:
        st.info("The warehouse has no table the hub may read yet.")
        return
    table = st.selectbox("Table", tables, key="clu_table")
    numeric = config_manager.columns_for(engine, table).values
    if not numeric:
        st.info(f"{literal_markdown(table)} has no numeric column to cluster by.")
        return
    mode = st.radio("Cluster", ["rows", "members of a dimension"], horizontal=True, key="clu_mode")
    dimension = None
    if mode != "rows":
        others = [c["name"] for c in sa.inspect(engine).get_columns(table) if c["name"] not in numeric]
        dimension = st.selectbox("Dimension (e.g. customer_id)", others, key="clu_dimension")
    keys = clustering.identifier_columns(engine, table, numeric)
    default = clustering.default_features(engine, table, numeric)
    columns = st.multiselect("Numeric columns", numeric, default=default, key="clu_columns")
    if keys:
        st.caption(
            f"Left out by default, as they identify rows rather than measure them: {literal_markdown(', '.join(keys))}."
        )
    if not st.button("Find clusters", type="primary", key="clu_run"):
        return
    session.require_role("analyst")
    try:
        with st.spinner("Clustering…"):
            result = clustering.cluster_table(engine, table, columns, dimension=dimension)
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    for note in result.notes:
        st.info(literal_markdown(note))
    tried = ", ".join(f"k={k}: {s:.2f}" for k, s in result.silhouettes.items())
    st.write(f"**{result.k} clusters** (silhouette {result.silhouettes[result.k]:.2f}; tried {tried}).")
    x, y = result.features[0], result.features[1] if len(result.features) > 1 else result.features[0]
    points = result.points.assign(cluster=result.points["cluster"].astype(str))
    figure = px.scatter(points, x=x, y=y, color="cluster", opacity=0.6)
    figure.update_layout(xaxis_title=charts.plain(x), yaxis_title=charts.plain(y))  # column names are data
    st.plotly_chart(figure, width="stretch")
    for line in result.profiles:  # they name members of the data's dimensions: plain text, not Markdown
        st.markdown("- " + literal_markdown(line))


PAGE = HubPage(
    title="Clustering", icon=":material/scatter_plot:", min_role="analyst", render=render, url_path="clustering"
)
