"""Shared parts of the fault tests: one import loaded by a real Dagster run, and what a clean load leaves.

The import is the orchestration tests' ``daily_sales`` (group ``Sales``): a CSV of
``order_id,amount`` rows staged into text columns and appended to ``sales``. A
sizeable file (tens of thousands of rows) goes through the bulk paths a real feed
takes (PostgreSQL COPY, the SQLite loader child), which is where a dropped
connection or a full disk meets the product.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from elt_project.orchestration import assets
from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import read_snapshot
from tests.orchestration.conftest import add_config

STAGING_DDL = "CREATE TABLE stg_sales (order_id VARCHAR(50), amount VARCHAR(50), dagster_run_id VARCHAR(255))"
DEST_DDL = "CREATE TABLE sales (order_id INTEGER, amount NUMERIC(12,2))"
JOB = "Sales_job"
STAGE_OP = "sales_stage_imports"


def write_orders(path: Path, rows: int) -> Path:
    """``rows`` orders 1..rows with amount = order_id % 1000 (so the checksum is known)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        handle.write("order_id,amount\n")
        handle.writelines(f"{i},{i % 1000}\n" for i in range(1, rows + 1))
    return path


def expected(rows: int) -> tuple[int, int, int]:
    """(count, sum of order_id, sum of amount) of a clean load of ``write_orders(rows)``."""
    return rows, rows * (rows + 1) // 2, sum(i % 1000 for i in range(1, rows + 1))


def destination(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        count, ids, amounts = conn.execute(
            sa.text("SELECT COUNT(*), COALESCE(SUM(order_id), 0), COALESCE(SUM(amount), 0) FROM sales")
        ).one()
    return int(count), int(ids), int(amounts)


def setup_import(engine, folder: Path) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")


def sales_job(engine, settings, tmp_path: Path) -> dg.JobDefinition:
    """The group's job as the code location builds it, on ``settings`` (their URL may differ from ``engine``'s)."""
    defs = build_definitions(
        read_snapshot(engine), settings, warehouse=WarehouseResource.for_settings(settings, output_dir=tmp_path)
    )
    return defs.resolve_job_def(JOB)


def run_file(job: dg.JobDefinition, instance, path: Path) -> dg.ExecuteInProcessResult:
    """A sensor-style run of the job for one file, in this process (so the test can see its retries)."""
    return job.execute_in_process(
        instance=instance,
        run_config={"ops": {STAGE_OP: {"config": {"files": [str(path)], "trigger": "sensor"}}}},
        tags={"import": "daily_sales", "trigger": "sensor"},
        raise_on_error=False,
    )


def retries(result: dg.ExecuteInProcessResult) -> int:
    return sum(1 for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY")


def ledger_and_logs(engine) -> tuple[list[tuple], list[tuple]]:
    """(ledger statuses, run-log (status, error) rows in order)."""
    with engine.connect() as conn:
        ledger = [tuple(r) for r in conn.execute(sa.text("SELECT status FROM elt_file_ledger"))]
        logs_sql = "SELECT status, error_message FROM etl_pipeline_run_logs ORDER BY id"
        logs = [tuple(r) for r in conn.execute(sa.text(logs_sql))]
    return ledger, logs


def staged_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM stg_sales")).scalar_one()


def fast_back_off(monkeypatch, first_wait_s: float = 1) -> None:
    """The product's back-off (10 s, 20 s, 40 s) scaled down so a test waits seconds, same shape and bound."""
    monkeypatch.setattr(assets, "TRANSIENT_FIRST_WAIT_S", first_wait_s)


def retry_warnings(instance, result: dg.ExecuteInProcessResult) -> list[str]:
    """The sentences the run's retries logged ("...; retrying in N s (retry i of 3).")."""
    return [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.user_message and "; retrying in" in entry.user_message
    ]


def step_failure(result: dg.ExecuteInProcessResult) -> str:
    """The message of the step failure that ended a failed run (the project's one sentence, without its class)."""
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            error = error.cause or error
            return error.message.strip().split(": ", 1)[-1] if error.cls_name else error.message.strip()
    return ""
