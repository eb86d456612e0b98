"""Pipeline Monitor: late imports, runs, quality results, rejected rows, the file ledger and freshness."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st

from elt_project.analytics import access, monitor
from elt_project.hub import session
from elt_project.hub.pages import HubPage
from elt_project.hub.tables import show_table
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
    reports = monitor.freshness(engine, scope, datetime.now(UTC))
    for report in reports:
        if report.state == "late":
            st.error(f"Late: {literal_markdown(report.import_name)}. {literal_markdown(report.reason)}")
    tabs = st.tabs(["Runs", "Quality", "Rejected rows", "Files", "Freshness", "Column changes"])
    runs_tab, quality_tab, rejected_tab, ledger_tab, freshness_tab, columns_tab = tabs
    with runs_tab:
        runs = monitor.runs(engine, filters)
        if not runs:
            st.caption("No runs in this window.")
        else:
            by_day = pd.DataFrame(monitor.status_by_day(runs))
            if not by_day.empty:
                st.bar_chart(by_day, x="day", y="runs", color="status")
            frame = pd.DataFrame(runs)
            columns = ["start_time", "import_name", "status", "rows_read", "rows_loaded", "rows_rejected"]
            links = {}
            if account.role == "admin":  # the Dagster UI has no login: it is an administrators' tool on loopback
                frame["dagster"] = [monitor.dagster_run_url(settings.dagster_url, r) for r in frame["run_id"]]
                columns.append("dagster")
                links = {"dagster": st.column_config.LinkColumn("Dagster run", display_text="open")}
            show_table(frame[columns], key="mon_runs", file_name="runs.csv", column_config=links)
            for failure in monitor.failures(runs)[:20]:
                run = failure.run
                name = literal_markdown(run["import_name"] or "")
                with st.expander(f"{run['start_time']:%Y-%m-%d %H:%M} {name}: {failure.headline}"):
                    st.error(literal_markdown(run.get("error_message") or "No error message was recorded."))
                    if failure.loaded_later is not None:
                        st.success(f"A later run of this import loaded at {failure.loaded_later:%Y-%m-%d %H:%M}.")
                    elif failure.advice:
                        st.info(f"What to do: {literal_markdown(failure.advice)}")
    with quality_tab:
        results = monitor.quality_results(engine, filters)
        if not results:
            st.caption("No quality checks in this window.")
        else:
            frame = pd.DataFrame(results)
            rule = st.selectbox("Rule", sorted(frame["rule_name"].unique()), key="mon_rule")
            history = frame[frame["rule_name"] == rule]
            columns = ["checked_at", "import_name", "status", "failing_row_count", "message"]
            show_table(history[columns], key="mon_quality", file_name="quality.csv")
    with rejected_tab:
        rejected = monitor.rejected_rows(engine, filters)
        if rejected:
            show_table(pd.DataFrame(rejected), key="mon_rejected", file_name="rejected_rows.csv")
        else:
            st.caption("No rejected rows in this window.")
    with ledger_tab:
        files = monitor.ledger(engine, filters)
        if files:
            show_table(pd.DataFrame(monitor.file_rows(files)), key="mon_files", file_name="files.csv")
        else:
            st.caption("No files in this window.")
    with freshness_tab:
        if reports:
            columns = ["import_name", "state", "last_arrival", "expected_by", "last_rows", "schedule", "reason"]
            show_table(
                pd.DataFrame([r.as_dict() for r in reports])[columns], key="mon_fresh", file_name="freshness.csv"
            )
        else:
            st.caption("No active imports.")

    with columns_tab:
        changes = monitor.schema_changes(engine, filters)
        if not changes:
            st.caption("No changes of a file's columns in this window.")
        for change in changes[:50]:
            name = literal_markdown(change["import_name"] or "")
            with st.expander(f"{change['recorded_at']:%Y-%m-%d %H:%M} {name}: {literal_markdown(change['action'])}"):
                st.markdown(literal_markdown(change["what"]))
                if change.get("proposed_ddl"):
                    st.caption("Proposed for an administrator to review and run:")
                    st.code(change["proposed_ddl"], language="sql")


PAGE = HubPage(
    title="Pipeline Monitor", icon=":material/monitoring:", min_role="analyst", render=render, url_path="monitor"
)
