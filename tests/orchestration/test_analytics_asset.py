"""The predictive-analytics asset in a real Dagster instance, its schedule, and its place in the location."""

from __future__ import annotations

import dagster as dg
import sqlalchemy as sa
from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext
from dagster._core.definitions.reconstruct import initialize_repository_def_from_pointer

from elt_project.db import schema
from elt_project.orchestration.analytics import JOB_NAME, SCHEDULE_NAME, analytics_definitions
from elt_project.orchestration.resources import WarehouseResource
from tests.analytics.signals import add_analytics_config, create_sales, daily_rows, trending_series
from tests.orchestration.test_component import POINTER


def _defs(warehouse) -> dg.Definitions:
    return dg.Definitions.merge(analytics_definitions(), dg.Definitions(resources={"warehouse": warehouse}))


def test_asset_writes_predictions_and_fails_naming_the_bad_row(engine, warehouse, instance):
    create_sales(engine, daily_rows(trending_series(60)))
    add_analytics_config(engine, model_type="forecast")
    job = _defs(warehouse).resolve_job_def(JOB_NAME)
    result = job.execute_in_process(instance=instance)
    assert result.success
    [materialization] = result.asset_materializations_for_node("run_predictive_analytics")
    assert materialization.metadata["configs"].value == 1
    assert materialization.metadata["rows_written"].value == 60 + 30
    with engine.connect() as conn:
        run_ids = set(conn.execute(sa.select(schema.analytics_predictions.c.run_id).distinct()).scalars())
    assert run_ids == {result.run_id}

    add_analytics_config(engine, model_type="no_such_model")
    failed = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not failed.success
    failure = next(e for e in failed.all_events if e.event_type_value == "STEP_FAILURE")
    assert "1 of 2 analytics_config row(s) failed" in failure.event_specific_data.error.message


def test_daily_schedule_runs_by_default():
    schedule = _defs(WarehouseResource()).resolve_schedule_def(SCHEDULE_NAME)  # lazy: reads nothing
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "30 5 * * *" and schedule.job_name == JOB_NAME


def test_the_code_location_carries_the_asset_and_schedule(engine, monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ELT_TRANSFORMS_DIR", str(tmp_path / "transforms"))
    try:
        repo = initialize_repository_def_from_pointer(POINTER)
    finally:
        DefinitionsLoadContext._instance = None
    assert repo.has_schedule_def(SCHEDULE_NAME)
    assert dg.AssetKey("run_predictive_analytics") in repo.asset_graph.get_all_asset_keys()
    assert dg.AssetKey("config_problems") in repo.asset_graph.get_all_asset_keys()


def test_asset_fits_many_series_on_worker_processes(engine, warehouse, instance):
    from elt_project.analytics import model_pool

    for n in range(model_pool.MIN_JOBS_FOR_POOL):
        create_sales(engine, daily_rows(trending_series(60, seed=n)), name=f"sales_{n}")
        add_analytics_config(engine, target_table=f"sales_{n}", model_type="forecast")
    model_pool.stop_workers()
    try:
        result = _defs(warehouse).resolve_job_def(JOB_NAME).execute_in_process(instance=instance)
        assert model_pool._POOL.running() == min(model_pool.default_workers(), model_pool.MIN_JOBS_FOR_POOL) > 1
    finally:
        model_pool.stop_workers()
    assert result.success
    [materialization] = result.asset_materializations_for_node("run_predictive_analytics")
    assert materialization.metadata["rows_written"].value == model_pool.MIN_JOBS_FOR_POOL * (60 + 30)
