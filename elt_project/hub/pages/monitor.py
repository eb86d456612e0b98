"""Pipeline Monitor: runs, quality results, rejected rows and the file ledger, with links to Dagster."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from elt_project.analytics import access, monitor
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.text import literal_markdown


def render() -> None:
    account = session.require_role("analyst")
    st.title("Pipeline Monitor")
    engine = session.hub_engine()
    settings = session.hub_settings()
    scope = access.scope_for(engine, account)
    pipelines, imports = monitor.choices(engine, scope)
    left, middle, right = st.columns(3)
    pipeline = left.selectbox("Pipeline", pipelines, index=None, placeholder="All pipelines", key="mon_pipeline")
    import_name = middle.selectbox("Import", imports, index=None, placeholder="All imports", key="mon_import")
    window = right.date_input("Dates", (date.today() - timedelta(days=30), date.today()), key="mon_dates")
    start, end = (window[0], window[-1]) if isinstance(window, tuple) and window else (None, None)
    filters = monitor.Filters(pipeline=pipeline, import_name=import_name, start=start, end=end, scope=scope)
    runs_tab, quality_tab, rejected_tab, ledger_tab = st.tabs(["Runs", "Quality", "Rejected rows", "Files"])
    with runs_tab:
        runs = monitor.runs(engine, filters)
        if not runs:
            st.caption("No runs in this window.")
        else:
            by_day = pd.DataFrame(monitor.status_by_day(runs))
            if not by_day.empty:
                st.bar_chart(by_day, x="day", y="runs", color="status")
            base = f"http://{settings.bind_host}:{settings.dagster_port}"
            frame = pd.DataFrame(runs)
            frame["dagster"] = [monitor.dagster_run_url(base, r) for r in frame["run_id"]]
            columns = ["start_time", "import_name", "status", "rows_read", "rows_loaded", "rows_rejected", "dagster"]
            st.dataframe(
                frame[columns],
                hide_index=True,
                width="stretch",
                column_config={"dagster": st.column_config.LinkColumn("Dagster run", display_text="open")},
            )
            failures = [r for r in runs if str(r.get("status", "")).upper().startswith("FAIL")]
            for run in failures[:20]:
                name = literal_markdown(run["import_name"] or "")
                with st.expander(f"{run['start_time']:%Y-%m-%d %H:%M} {name}: failed"):
                    st.error(literal_markdown(run.get("error_message") or "No error message was recorded."))
                    if run.get("resolution_steps"):
                        st.info(f"What to do: {literal_markdown(run['resolution_steps'])}")
    with quality_tab:
        results = monitor.quality_results(engine, filters)
        if not results:
            st.caption("No quality checks in this window.")
        else:
            frame = pd.DataFrame(results)
            rule = st.selectbox("Rule", sorted(frame["rule_name"].unique()), key="mon_rule")
            history = frame[frame["rule_name"] == rule]
            st.dataframe(
                history[["checked_at", "import_name", "status", "failing_row_count", "message"]],
                hide_index=True,
                width="stretch",
            )
    with rejected_tab:
        rejected = monitor.rejected_rows(engine, filters)
        if rejected:
            st.dataframe(pd.DataFrame(rejected), hide_index=True, width="stretch")
        else:
            st.caption("No rejected rows in this window.")
    with ledger_tab:
        files = monitor.ledger(engine, filters)
        if files:
            st.dataframe(pd.DataFrame(files), hide_index=True, width="stretch")
        else:
            st.caption("No files in this window.")


PAGE = HubPage(
    title="Pipeline Monitor", icon=":material/monitoring:", min_role="analyst", render=render, url_path="monitor"
)
