"""A file that failed is retried once its cause is fixed, and never loads twice.

Real folder, real ledger on SQLite and PostgreSQL, real Dagster instance: the
sensor's run requests are executed as the daemon would launch them.
"""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa

from elt_project.db import schema
from tests.orchestration.conftest import add_config, add_rule
from tests.orchestration.test_sensors import age, tick

STAGING_DDL = (
    "CREATE TABLE stg_sales (order_id VARCHAR(50), amount VARCHAR(50), dagster_run_id VARCHAR(255), "
    "source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
DEST_DDL = "CREATE TABLE sales (order_id INTEGER, amount NUMERIC(12,2))"
SENSOR = "daily_sales_file_sensor"


def _execute(defs, instance, request: dg.RunRequest):
    """Run a sensor's request the way the daemon would: its selection, config and tags."""
    job = defs.resolve_job_def("Sales_job")
    return job.execute_in_process(
        instance=instance,
        asset_selection=request.asset_selection,
        run_config=request.run_config,
        tags=request.tags,
        raise_on_error=False,
    )


def _ledger(engine) -> list[tuple]:
    table = schema.elt_file_ledger
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table.c.status, table.c.run_id).order_by(table.c.id))]


def _dest(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT order_id FROM sales ORDER BY order_id"))]


def _create_tables(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))


def test_a_file_that_failed_for_missing_tables_loads_once_they_exist(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
    defs = build_defs()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n2,20\n")

    _, cursor, _ = tick(defs, SENSOR, instance)
    [first], cursor, _ = tick(defs, SENSOR, instance, age(cursor, 11))
    failed = _execute(defs, instance, first)
    assert not failed.success
    assert _ledger(engine) == [("FAILED", failed.run_id)]

    runs, cursor, skip = tick(defs, SENSOR, instance, age(cursor, 60))
    assert runs == []
    assert "Held back as failed: sales_1.csv (The staging table of import 'daily_sales' 'stg_sales' does not" in skip
    assert "`python3 launch.py elt retry daily_sales`" in skip

    _create_tables(engine)  # the fix; no config edit, so no reload
    [retry], cursor, _ = tick(defs, SENSOR, instance, age(cursor, 60))
    assert retry.run_key == f"{first.run_key}:retry:{failed.run_id}"
    assert retry.tags["trigger"] == "retry"
    runs, cursor, skip = tick(defs, SENSOR, instance, age(cursor, 60))
    assert runs == [] and "Retry requested for failed file(s) sales_1.csv" in skip

    done = _execute(defs, instance, retry)
    assert done.success
    assert _dest(engine) == [(1,), (2,)]
    assert _ledger(engine) == [("LOADED", done.run_id)]

    runs, cursor, skip = tick(defs, SENSOR, instance, age(cursor, 60))
    assert runs == [] and skip == "No new files."
    again = _execute(defs, instance, retry)  # the same request once more: a duplicate, not a second load
    assert again.success
    assert _dest(engine) == [(1,), (2,)]
    assert _ledger(engine) == [("LOADED", done.run_id)]


def test_a_file_that_failed_a_rule_is_retried_after_the_rule_changes_and_reload(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _create_tables(engine)
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
    add_rule(
        engine,
        rule_name="amount at most 2 chars",
        target_column="amount",
        check_type="MAX_LENGTH",
        check_expression="2",
    )
    defs = build_defs()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,100\n")

    _, cursor, _ = tick(defs, SENSOR, instance)
    [first], cursor, _ = tick(defs, SENSOR, instance, age(cursor, 11))
    assert not _execute(defs, instance, first).success
    runs, cursor, skip = tick(defs, SENSOR, instance, age(cursor, 60))
    assert runs == [] and "Held back as failed: sales_1.csv" in skip
    runs, cursor, skip = tick(defs, SENSOR, instance, age(cursor, 60))
    assert runs == []  # nothing changed: held back, not retried in a loop

    with engine.begin() as conn:
        conn.execute(sa.update(schema.data_quality_rules).values(check_expression="5"))
    reloaded = build_defs()  # what config_change_sensor's reload does
    [retry], cursor, _ = tick(reloaded, SENSOR, instance, age(cursor, 60))
    assert ":retry:" in retry.run_key
    assert _execute(reloaded, instance, retry).success
    assert _dest(engine) == [(1,)]
    runs, cursor, skip = tick(reloaded, SENSOR, instance, age(cursor, 60))
    assert runs == [] and skip == "No new files."


def test_a_failed_replace_batch_is_retried_as_one_run_over_the_folder(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="replace")
    defs = build_defs()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n")
    (folder / "sales_2.csv").write_text("order_id,amount\n2,20\n")

    _, cursor, _ = tick(defs, SENSOR, instance)
    _, cursor, _ = tick(defs, SENSOR, instance, age(cursor, 11))  # the batch window opens
    [batch], cursor, _ = tick(defs, SENSOR, instance, age(cursor, 121))
    failed = _execute(defs, instance, batch)
    assert not failed.success
    assert _ledger(engine) == [("FAILED", failed.run_id), ("FAILED", failed.run_id)]  # neither file was reached

    runs, cursor, skip = tick(defs, SENSOR, instance, age(cursor, 60))
    assert runs == [] and "sales_1.csv (" in skip and "sales_2.csv (" in skip

    _create_tables(engine)
    [retry], cursor, _ = tick(defs, SENSOR, instance, age(cursor, 60))
    assert retry.run_config["ops"]["sales_stage_imports"]["config"]["files"] == []  # the whole folder
    done = _execute(defs, instance, retry)
    assert done.success
    assert _dest(engine) == [(1,), (2,)]
    assert _ledger(engine) == [("LOADED", done.run_id), ("LOADED", done.run_id)]


def test_a_file_that_failed_outside_the_sensor_is_retried_after_the_next_change(engine, build_defs, instance, tmp_path):
    from elt_project.config.repository import get_pipeline_config
    from elt_project.errors import ConfigurationError
    from elt_project.pipeline.api import run_import

    folder = tmp_path / "in"
    folder.mkdir()
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
    defs = build_defs()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n")
    with pytest.raises(ConfigurationError, match="does not exist"):  # `elt run` before the tables exist
        run_import(engine, defs.resources["warehouse"].settings(), get_pipeline_config(engine, "daily_sales"))
    assert [s for s, _ in _ledger(engine)] == ["FAILED"]

    _, cursor, _ = tick(defs, SENSOR, instance)
    runs, cursor, skip = tick(defs, SENSOR, instance, age(cursor, 11))
    assert runs == [] and "Held back as failed: sales_1.csv" in skip  # first sight: noted, not retried
    _create_tables(engine)
    [retry], cursor, _ = tick(defs, SENSOR, instance, age(cursor, 60))
    assert _execute(defs, instance, retry).success
    assert _dest(engine) == [(1,)]
