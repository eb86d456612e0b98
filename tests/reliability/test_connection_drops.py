# ruff: noqa: F811  (the Dagster instance fixture is imported by name, then requested as an argument)
"""Connections lost or refused mid-load: transient ones are retried with bounded back-off, nothing lost.

PostgreSQL: a second connection runs ``pg_terminate_backend`` on the load's backend
(found by a unique ``application_name`` in the warehouse URL) while it is copying a
sizeable file into staging. SQLite: another *process* holds ``BEGIN EXCLUSIVE`` on
the warehouse file. Each time a real Dagster run of the import is the loader, so the
retry is Dagster's step retry with the product's back-off (scaled from 10/20/40 s to
seconds). Afterwards the destination must equal a clean load, the ledger say LOADED
once and staging be empty; when the fault outlasts the retry budget the run fails
within the bound with one sentence, the file is FAILED, and ``elt retry`` loads it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from elt_project.config.repository import get_pipeline_config
from elt_project.orchestration.assets import TRANSIENT_RETRIES
from elt_project.pipeline.retry import retry_failed
from tests.orchestration.conftest import instance  # noqa: F401
from tests.reliability.faults import (
    destination,
    expected,
    fast_back_off,
    ledger_and_logs,
    retries,
    run_file,
    sales_job,
    setup_import,
    staged_rows,
    write_orders,
)

ROWS = 300_000


class BackendKiller(threading.Thread):
    """Terminates the warehouse backends named ``application_name`` while they run a COPY.

    ``times`` kills at most; it stops at ``stop``. Counts what it killed.
    """

    def __init__(self, admin, application_name: str, times: int) -> None:
        super().__init__(daemon=True)
        self.admin, self.name_, self.times = admin, application_name, times
        self.killed: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        query = sa.text(
            "SELECT pid, query FROM pg_stat_activity WHERE application_name = :name AND state = 'active' "
            "AND query ILIKE 'COPY %'"
        )
        with self.admin.connect() as conn:
            while not self.stop.is_set() and len(self.killed) < self.times:
                for pid, text in conn.execute(query, {"name": self.name_}).all():
                    if conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar():
                        self.killed.append(text[:60])
                conn.rollback()  # pg_stat_activity is a snapshot per transaction: take a fresh one
                time.sleep(0.02)


def marked_settings(settings, database_url: str, application_name: str):
    url = sa.make_url(database_url).update_query_dict({"application_name": application_name})
    return settings.model_copy(update={"database_url": SecretStr(url.render_as_string(hide_password=False))})


@pytest.mark.slow
def test_postgres_backend_terminated_mid_copy_is_retried_and_loads_once(
    engine, settings, database_url, instance, tmp_path, monkeypatch
):
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite's lock is the test below")
    fast_back_off(monkeypatch)
    folder = tmp_path / "incoming"
    path = write_orders(folder / "sales_1.csv", ROWS)
    setup_import(engine, folder)
    name = f"elt_drop_{uuid.uuid4().hex[:10]}"
    job = sales_job(engine, marked_settings(settings, database_url, name), tmp_path)
    killer = BackendKiller(engine, name, times=1)
    killer.start()
    started = time.monotonic()
    try:
        result = run_file(job, instance, path)
    finally:
        killer.stop.set()
        killer.join()
    took = time.monotonic() - started
    ledger, logs = ledger_and_logs(engine)
    print(
        f"\n[connection drops] postgresql: rows {ROWS:,}, backends terminated {len(killer.killed)}, "
        f"retries {retries(result)}, loaded in {took:.1f} s, destination {destination(engine)[0]:,} rows, "
        f"lost {ROWS - destination(engine)[0]}, ledger {ledger}"
    )
    print(f"  first attempt said: {logs[0][1]}")
    assert killer.killed, "the load's backend was never seen copying"
    assert result.success
    assert retries(result) >= 1
    assert destination(engine) == expected(ROWS)
    assert ledger == [("LOADED",)]
    assert [status for status, _ in logs] == ["FAILED"] * retries(result) + ["SUCCESS"]
    assert "the run is retried by itself" in logs[0][1]
    assert staged_rows(engine) == 0
