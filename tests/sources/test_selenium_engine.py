"""Browser imports through the engine and Dagster, and the chained download → folder → sensor pipeline."""

from __future__ import annotations

import json
import os
import shutil

import dagster as dg
import pytest

from elt_project.pipeline.api import run_import
from tests.sources.conftest import LOCAL, add_remote_config, execute, query
from tests.sources.test_dagster_remote import build
from tests.sources.test_selenium_source import docs_example_1, login_steps

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not shutil.which("chromedriver") and not os.environ.get("CI"),  # under CI a missing driver fails
        reason="chromium-driver is not installed (.ci/run installs it)",
    ),
]


def test_docs_example_1_row_loads_through_the_engine(settings, engine, base_url, site_env):
    execute(
        engine,
        "CREATE TABLE stg_complex_site (region VARCHAR(20), sales VARCHAR(20), dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_complex_site (region VARCHAR(20), sales INTEGER)",
    )
    config = add_remote_config(
        engine,
        docs_example_1(base_url),
        pipeline_name="SeleniumScraper",
        import_name="complex_site_data",
        file_pattern="selenium_scrape.trigger",
        file_type="selenium_scraper",
        staging_table="stg_complex_site",
        destination_table="dest_complex_site",
        parser_function="generic_selenium_scraper",
    )
    summary = run_import(engine, settings, config)
    assert summary.transform.rows_loaded == {"complex_site_data": 2}
    rows = query(engine, "SELECT region, sales FROM dest_complex_site ORDER BY region")
    assert rows == [("North", 100), ("South", 250)]
    again = run_import(engine, settings, config)
    assert [f.status for f in again.stages[0].files] == ["duplicate"]


def test_download_then_the_folder_import_loads_it(settings, engine, base_url, site_env, tmp_path):
    """Pipeline A downloads into Pipeline B's monitored folder; B's file sensor asks for the run."""
    inbox = tmp_path / "Incoming"
    execute(
        engine,
        "CREATE TABLE stg_daily_report (order_id VARCHAR(20), customer VARCHAR(20), amount VARCHAR(20), "
        "dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_daily_report (order_id INTEGER, customer VARCHAR(20), amount NUMERIC(10,2))",
    )
    downloader = {
        "allowed_hosts": LOCAL,
        "login_url": f"{base_url}/login",
        "actions": [*login_steps(), {"type": "navigate", "url": f"{base_url}/downloads"}],
        "download_action": {
            "selector": "id",
            "selector_value": "get-report",
            "target_directory": str(inbox),
            "file_pattern": "DailyReport-*.csv",
            "timeout_seconds": 30,
        },
    }
    add_remote_config(
        engine,
        json.dumps(downloader),
        pipeline_name="Scrapers",
        import_name="download_daily_report",
        file_pattern="dummy.txt",
        file_type="custom_downloader",
        staging_table="stg_dummy",
        destination_table="dest_dummy",
        parser_function="download_file_with_selenium",
        transform_procedure="sp_dummy_transform",
        load_method="append",
    )
    add_remote_config(
        engine,
        None,
        pipeline_name="DailyReports",
        import_name="process_daily_report",
        file_pattern="DailyReport-*.csv",
        monitored_directory=str(inbox),
        file_type="csv",
        staging_table="stg_daily_report",
        destination_table="dest_daily_report",
        parser_function=None,
    )
    quick = settings.model_copy(update={"file_min_age_seconds": 0, "batch_window_seconds": 0})
    defs = build(engine, quick)
    with dg.instance_for_test() as instance:
        download = defs.resolve_job_def("Scrapers_job").execute_in_process(
            instance=instance,
            asset_selection=[
                dg.AssetKey("download_daily_report_extract_and_load_staging"),
                dg.AssetKey("scrapers_transform"),
            ],
        )
        assert download.success
        assert [p.name for p in inbox.iterdir()] == ["DailyReport-2026-12-01.csv"]  # no .crdownload, no .part
        assert query(engine, "SELECT import_name, status, file_name FROM etl_pipeline_run_logs") == [
            ("download_daily_report", "SUCCESS", "DailyReport-2026-12-01.csv")
        ]

        sensor = defs.resolve_sensor_def("process_daily_report_file_sensor")
        requests, cursor = [], None
        for _ in range(3):
            with dg.build_sensor_context(
                instance=instance, cursor=cursor, definitions=defs, resources=dict(defs.resources)
            ) as context:
                result = sensor.evaluate_tick(context)
            requests, cursor = list(result.run_requests or []), result.cursor
            if requests:
                break
        [request] = requests
        run = defs.resolve_job_def("DailyReports_job").execute_in_process(
            instance=instance,
            asset_selection=list(request.asset_selection),
            run_config=request.run_config,
            tags=request.tags,
        )
        assert run.success
    rows = query(engine, "SELECT order_id, customer FROM dest_daily_report ORDER BY order_id")
    assert rows == [(1, "Ann"), (2, "Bob")]
