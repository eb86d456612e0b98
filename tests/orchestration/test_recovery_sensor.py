"""The file sensor's recovery pass, on a real Dagster instance, a real folder and both warehouses.

Dead runs are made the way they look after a SIGKILL: a Dagster run that staged (or did
not even claim) a file and was then failed by run monitoring. The re-requested runs are
executed for real, so "loaded exactly once" is read from the destination.
"""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.test_utils import create_run_for_test

from elt_project.config.repository import get_pipeline_config
from elt_project.pipeline.api import stage_import
from tests.orchestration.conftest import add_config
from tests.orchestration.test_sensors import tick

SENSOR = "daily_sales_file_sensor"
STAGING_DDL = "CREATE TABLE stg_sales (order_id VARCHAR(50), amount VARCHAR(50), dagster_run_id VARCHAR(255))"
DEST_DDL = "CREATE TABLE sales (order_id INTEGER, amount NUMERIC(12,2))"


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "incoming"
    path.mkdir()
    return path


@pytest.fixture
def setup(engine, settings, build_defs, folder):
    """One append import over ``folder``; recovery without waiting (bound 0), one attempt per file."""
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
    quick = settings.model_copy(
        update={"recovery_after_seconds": 0, "file_min_age_seconds": 0, "recovery_max_attempts": 1}
    )
    return build_defs(quick), quick


def q(engine, sql):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def execute(defs, instance, request):
    """Run a sensor's request for real, as the daemon would launch it."""
    return defs.resolve_job_def("Sales_job").execute_in_process(
        instance=instance,
        asset_selection=request.asset_selection,
        run_config=request.run_config,
        tags=request.tags,
        raise_on_error=False,
    )


def dead_run(instance, files, tags=None):
    """A run of the import as the sensor asked for it, then failed (its worker was killed)."""
    config = {"ops": {"sales_stage_imports": {"config": {"files": [str(f) for f in files], "trigger": "sensor"}}}}
    return create_run_for_test(
        instance,
        job_name="Sales_job",
        run_config=config,
        tags={"import": "daily_sales", **(tags or {})},
        status=dg.DagsterRunStatus.STARTED,
    )


def test_a_file_whose_run_died_before_claiming_it_is_requested_again(engine, setup, instance, folder):
    defs, _ = setup
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n2,20\n")
    runs, cursor, _ = tick(defs, SENSOR, instance)
    assert len(runs) == 1 and runs[0].tags["trigger"] == "sensor"
    queued = dead_run(instance, [folder / "sales_1.csv"])

    runs, cursor, skip = tick(defs, SENSOR, instance, cursor)
    assert runs == []  # its run is still in progress (queued behind others): wait
    assert q(engine, "SELECT COUNT(*) FROM elt_file_ledger") == [(0,)]

    instance.report_run_failed(queued)  # the worker died before it claimed the file; the run key is spent
    runs, cursor, skip = tick(defs, SENSOR, instance, cursor)
    assert [r.tags["trigger"] for r in runs] == ["recovery"]
    assert ":recover:" in runs[0].run_key
    assert q(engine, "SELECT status, error_message FROM elt_file_ledger")[0][0] == "FAILED"
    assert execute(defs, instance, runs[0]).success
    assert q(engine, "SELECT order_id FROM sales ORDER BY order_id") == [(1,), (2,)]

    runs, cursor, skip = tick(defs, SENSOR, instance, cursor)
    assert runs == []
    assert q(engine, "SELECT status FROM elt_file_ledger") == [("LOADED",)]


def test_files_staged_by_a_dead_run_are_released_and_loaded_once_then_attempts_run_out(engine, setup, instance, folder):
    defs, settings = setup
    config = get_pipeline_config(engine, "daily_sales")
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n2,20\n")
    runs, cursor, _ = tick(defs, SENSOR, instance)
    killed = dead_run(instance, [folder / "sales_1.csv"])
    stage_import(engine, settings, config, [folder / "sales_1.csv"], run_id=killed.run_id)  # then SIGKILL
    instance.report_run_failed(killed)  # what run monitoring does
    assert q(engine, "SELECT status FROM elt_file_ledger") == [("STAGED",)]

    runs, cursor, skip = tick(defs, SENSOR, instance, cursor)
    assert [r.tags["trigger"] for r in runs] == ["recovery"]
    assert q(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]  # the dead run's orphan rows are gone
    logs = q(engine, "SELECT status, error_message FROM etl_pipeline_run_logs")
    assert logs[0][0] == "FAILED" and logs[0][1].startswith(f"Run lost: run {killed.run_id}")

    # The retry dies as well, after staging: with one attempt allowed, the file is now held for `elt retry`.
    second = dead_run(instance, [folder / "sales_1.csv"])
    stage_import(engine, settings, config, [folder / "sales_1.csv"], run_id=second.run_id)
    runs, cursor, skip = tick(defs, SENSOR, instance, cursor)  # the retry is STAGED and alive: nothing to do
    assert runs == []
    instance.report_run_failed(second)
    runs, cursor, skip = tick(defs, SENSOR, instance, cursor)
    assert runs == []
    assert "Held back as failed: sales_1.csv (Run lost" in skip and "elt retry daily_sales" in skip
    assert q(engine, "SELECT COUNT(*) FROM sales") == [(0,)]
    assert q(engine, "SELECT COUNT(*) FROM etl_pipeline_run_logs WHERE status IN ('STARTED', 'STAGED')") == [(0,)]
