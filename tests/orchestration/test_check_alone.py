"""A data-quality check executed on its own (the UI's "Execute" on a check) checks real rows or fails.

It evaluates the rows the import's latest run left in staging, without logging
that run's checks or copying its rejected rows a second time; with no rows left
the run fails with a sentence saying what to do, never a green run over nothing.
"""

from __future__ import annotations

import dagster as dg
import sqlalchemy as sa

from elt_project.db import schema
from tests.orchestration.conftest import add_config, add_rule
from tests.orchestration.test_materialize import DEST_DDL, STAGING, STAGING_DDL, _run

CHECK = dg.AssetCheckKey(STAGING, "amount_present")
WARN_CHECK = dg.AssetCheckKey(STAGING, "order_unique")


def _setup(engine, folder, **config) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append", **config)
    add_rule(engine, rule_name="amount present", target_column="amount", check_type="NOT_NULL")
    add_rule(engine, rule_name="order unique", target_column="order_id", check_type="UNIQUE", severity="WARN")


def _execute_checks(defs, instance, *checks):
    job = defs.resolve_job_def("Sales_job").get_subset(asset_check_selection=set(checks))
    return job.execute_in_process(instance=instance, raise_on_error=False)


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_a_check_alone_with_no_staged_rows_left_fails_instead_of_passing(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder)
    defs = build_defs()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n2,20\n")
    assert _run(defs, instance, [folder / "sales_1.csv"]).success  # loaded: its staged rows are removed

    result = _execute_checks(defs, instance, CHECK)
    assert not result.success
    assert result.get_asset_check_evaluations() == []
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.step_failure_data.error.cause.message
    assert "No staged rows of import 'daily_sales' are left to check" in message
    assert "materialize daily_sales_extract_and_load_staging" in message


def test_a_check_alone_evaluates_the_rows_a_failed_run_left(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder)
    defs = build_defs()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,\n2,20\n2,30\n")
    failed = _run(defs, instance, [folder / "sales_1.csv"])
    assert not failed.success  # the blocking NOT_NULL rule failed; the rows are kept for inspection
    logged, rejected = _count(engine, schema.data_quality_run_logs), _count(engine, schema.elt_rejected_rows)

    result = _execute_checks(defs, instance, CHECK, WARN_CHECK)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(checks) == {"amount_present", "order_unique"}
    assert not checks["amount_present"].passed and checks["amount_present"].severity == dg.AssetCheckSeverity.ERROR
    assert checks["amount_present"].metadata["failing_rows"].value == 1
    assert checks["amount_present"].metadata["evaluated_run_id"].value == failed.run_id
    assert checks["amount_present"].metadata["rows_checked"].value == 3
    assert not checks["order_unique"].passed and checks["order_unique"].severity == dg.AssetCheckSeverity.WARN
    assert _count(engine, schema.data_quality_run_logs) == logged  # read-only: nothing logged twice
    assert _count(engine, schema.elt_rejected_rows) == rejected


def test_a_check_alone_sees_rows_kept_by_retention(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder, staging_retention_days=3)
    defs = build_defs()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n2,20\n")
    loaded = _run(defs, instance, [folder / "sales_1.csv"])
    assert loaded.success

    result = _execute_checks(defs, instance, CHECK)
    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.passed and check.metadata["rows_checked"].value == 2
    assert check.metadata["evaluated_run_id"].value == loaded.run_id
