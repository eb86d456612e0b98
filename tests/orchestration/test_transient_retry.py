"""A transient warehouse failure is retried by Dagster with back-off, and the file loads once.

Real parts: PostgreSQL with a ``lock_timeout`` on the warehouse's sessions, another
session holding an exclusive lock on the staging table for a few seconds, a real
Dagster run. The first attempt fails with the lock timeout (a transient error); the
step is retried after the back-off, by which time the lock is gone.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from elt_project.orchestration import assets
from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import read_snapshot
from tests.orchestration.conftest import add_config

STAGING_DDL = "CREATE TABLE stg_sales (order_id VARCHAR(50), amount VARCHAR(50), dagster_run_id VARCHAR(255))"
DEST_DDL = "CREATE TABLE sales (order_id INTEGER, amount NUMERIC(12,2))"
LOCK_HELD_S = 3


def test_a_lock_timeout_is_retried_by_dagster_and_the_file_loads_once(
    engine, settings, database_url, instance, tmp_path, monkeypatch
):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs a server-side lock_timeout; SQLite waits out locks (busy_timeout)")
    monkeypatch.setattr(assets, "TRANSIENT_FIRST_WAIT_S", 2)
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n2,20\n")
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
    url = sa.make_url(database_url)
    impatient = url.update_query_dict({"options": url.query["options"] + " -c lock_timeout=300"})
    run_settings = settings.model_copy(update={"database_url": SecretStr(impatient.render_as_string(False))})
    defs = build_definitions(
        read_snapshot(engine), run_settings, warehouse=WarehouseResource.for_settings(run_settings, output_dir=tmp_path)
    )

    locker = engine.connect()
    transaction = locker.begin()
    locker.execute(sa.text("LOCK TABLE stg_sales IN ACCESS EXCLUSIVE MODE"))
    release = threading.Timer(LOCK_HELD_S, transaction.rollback)
    release.start()
    started = time.monotonic()
    try:
        result = defs.resolve_job_def("Sales_job").execute_in_process(
            instance=instance,
            run_config={
                "ops": {
                    "sales_stage_imports": {"config": {"files": [str(folder / "sales_1.csv")], "trigger": "sensor"}}
                }
            },
            tags={"import": "daily_sales", "trigger": "sensor"},
            raise_on_error=False,
        )
    finally:
        release.join()
        locker.close()
    took = time.monotonic() - started

    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert result.success
    assert retries, "the transient failure was not retried"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT order_id FROM sales ORDER BY order_id")).all() == [(1,), (2,)]
        logs = conn.execute(sa.text("SELECT status, error_message FROM etl_pipeline_run_logs ORDER BY id")).all()
    assert [status for status, _ in logs] == ["FAILED"] * len(retries) + ["SUCCESS"]
    assert "(canceling statement due to lock timeout); run the import again in a minute." in logs[0][1]
    print(
        f"\n[transient retry] {len(retries)} retry(ies), loaded after {took:.1f} s with the lock held {LOCK_HELD_S} s"
    )
