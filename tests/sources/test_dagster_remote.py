"""Remote imports configured by rows, run through Dagster: by hand and by their schedule."""

from __future__ import annotations

import datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml

from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import read_snapshot
from tests.sources.conftest import add_remote_config, execute, query
from tests.sources.test_sftp_engine import DEST as SFTP_DEST
from tests.sources.test_sftp_engine import STAGING as SFTP_STAGING
from tests.sources.test_sftp_engine import add_sftp_config
from tests.sources.test_sftp_source import key_config, put
from tests.sources.test_web_engine import DEST as WEB_DEST
from tests.sources.test_web_engine import STAGING as WEB_STAGING


@pytest.fixture
def instance():
    """A test instance with the shipped dagster.yaml's python_logs (so source log lines are captured)."""
    shipped = yaml.safe_load((Path(__file__).resolve().parents[2] / "dagster.yaml").read_text())
    with dg.instance_for_test(overrides={"python_logs": shipped["python_logs"]}) as inst:
        yield inst


def build(engine, settings) -> dg.Definitions:
    return build_definitions(read_snapshot(engine), settings, warehouse=WarehouseResource.for_settings(settings))


def run_request_of(defs: dg.Definitions, name: str, instance) -> dg.RunRequest:
    schedule = defs.resolve_schedule_def(name)
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=datetime.datetime(2026, 12, 2, 6, 0, tzinfo=datetime.UTC)
    )
    [request] = schedule.evaluate_tick(context).run_requests
    return request


def execute_request(defs, job_name: str, request: dg.RunRequest, instance):
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, asset_selection=list(request.asset_selection), run_config=request.run_config,
        tags=request.tags,
    )


@pytest.mark.slow
def test_scheduled_web_import_runs_through_dagster(engine, settings, instance, base_url, site_env):
    execute(engine, WEB_STAGING, WEB_DEST)
    add_remote_config(engine, {
        "schedule": "0 6 * * *",
        "authentication": {"method": "bearer", "token_env_var": "SYSTEM_A_TOKEN"},
        "data_extraction": {"url": f"{base_url}/api/items", "json_path": "items",
                            "pagination": {"type": "next_link", "next_path": "next"}},
    })
    defs = build(engine, settings)
    schedule = defs.resolve_schedule_def("system_a_scraper_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert not [s for s in defs.sensors or [] if s.name.startswith("system_a_scraper")], "no file sensor"

    request = run_request_of(defs, "system_a_scraper_schedule", instance)
    assert request.tags["trigger"] == "schedule"
    result = execute_request(defs, "WebScraper_job", request, instance)
    assert result.success
    logged = [e.message or "" for e in instance.all_logs(result.run_id)]
    assert any("extracted 7 records" in m for m in logged), "the source's log lines reach the run's log"
    assert not [m for m in logged if site_env["SYSTEM_A_TOKEN"] in m]
    assert query(engine, "SELECT COUNT(*) FROM dest_items") == [(7,)]
    assert query(engine, "SELECT trigger, status FROM etl_pipeline_run_logs") == [("schedule", "SUCCESS")]


@pytest.mark.slow
def test_sftp_import_materialized_by_hand_and_on_schedule(engine, settings, instance, sftp_env, remote_dir):
    execute(engine, SFTP_STAGING, SFTP_DEST)
    put(remote_dir, "report-1.csv", "order_id,amount\n1,2.50\n")
    config = key_config(remote_dir, sftp_env)
    config["schedule"] = "*/15 * * * *"
    add_sftp_config(engine, config)
    defs = build(engine, settings)
    staging = dg.AssetKey("sftp_daily_sales_extract_and_load_staging")
    transform = dg.AssetKey("sftp_imports_transform")
    job = defs.resolve_job_def("SFTP_Imports_job")
    assert job.execute_in_process(instance=instance, asset_selection=[staging, transform]).success
    assert query(engine, "SELECT order_id FROM dest_daily_sales") == [(1,)]

    put(remote_dir, "report-2.csv", "order_id,amount\n2,4.00\n")
    request = run_request_of(defs, "sftp_daily_sales_schedule", instance)
    assert set(request.asset_selection) == {staging, transform}
    assert execute_request(defs, "SFTP_Imports_job", request, instance).success
    assert query(engine, "SELECT order_id FROM dest_daily_sales ORDER BY order_id") == [(2,)]  # replace load
    assert query(engine, "SELECT status FROM elt_file_ledger ORDER BY id") == [("LOADED",), ("LOADED",)]


def test_a_bad_cron_is_a_config_problem_not_a_crash(engine, settings, base_url):
    add_remote_config(engine, {"schedule": "every morning", "data_extraction": {"url": f"{base_url}/table"}})
    defs = build(engine, settings)
    assert not list(defs.schedules or [])
    problems = defs.metadata["config_problems"].value
    assert "schedule 'every morning'" in problems and "not a valid cron expression" in problems
