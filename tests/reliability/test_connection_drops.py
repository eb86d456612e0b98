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
    retry_warnings,
    run_file,
    sales_job,
    setup_import,
    staged_rows,
    step_failure,
    write_orders,
)

ROWS = 300_000


class BackendKiller(threading.Thread):
    """Terminates the warehouse backends named ``application_name`` while they run ``statement`` (a LIKE pattern).

    ``times`` kills at most; it stops at ``stop``. Counts what it killed.
    """

    def __init__(self, admin, application_name: str, times: int, statement: str = "COPY %") -> None:
        super().__init__(daemon=True)
        self.admin, self.name_, self.times, self.statement = admin, application_name, times, statement
        self.killed: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        query = sa.text(
            "SELECT pid, query FROM pg_stat_activity WHERE application_name = :name AND state = 'active' "
            "AND query ILIKE :statement"
        )
        with self.admin.connect() as conn:
            while not self.stop.is_set() and len(self.killed) < self.times:
                for pid, text in conn.execute(query, {"name": self.name_, "statement": self.statement}).all():
                    if conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar():
                        self.killed.append(text[:60])
                conn.rollback()  # pg_stat_activity is a snapshot per transaction: take a fresh one
                time.sleep(0.02)


def leg(request) -> tuple:
    """(engine, settings, Dagster instance), made only once the test knows it runs on this warehouse.

    Migrating a warehouse and starting a test instance take seconds each: a skipped leg should not pay them.
    """
    return request.getfixturevalue("engine"), request.getfixturevalue("settings"), request.getfixturevalue("instance")


def marked_settings(settings, database_url: str, application_name: str):
    url = sa.make_url(database_url).update_query_dict({"application_name": application_name})
    return settings.model_copy(update={"database_url": SecretStr(url.render_as_string(hide_password=False))})


@pytest.mark.slow
@pytest.mark.parametrize(
    "statement",
    ["COPY %", pytest.param("INSERT INTO%sales%SELECT%", marks=pytest.mark.full)],
    ids=["staging-copy", "transform-insert"],
)
def test_postgres_backend_terminated_mid_load_is_retried_and_loads_once(
    database_url, request, tmp_path, monkeypatch, statement
):
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite's lock is the test below")
    engine, settings, instance = leg(request)
    fast_back_off(monkeypatch)
    folder = tmp_path / "incoming"
    path = write_orders(folder / "sales_1.csv", ROWS)
    setup_import(engine, folder)
    name = f"elt_drop_{uuid.uuid4().hex[:10]}"
    job = sales_job(engine, marked_settings(settings, database_url, name), tmp_path)
    killer = BackendKiller(engine, name, times=1, statement=statement)
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
        f"\n[connection drops] postgresql {statement!r}: rows {ROWS:,}, backends terminated {len(killer.killed)}, "
        f"retries {retries(result)}, loaded in {took:.1f} s, destination {destination(engine)[0]:,} rows, "
        f"lost {ROWS - destination(engine)[0]}, ledger {ledger}"
    )
    warnings = retry_warnings(instance, result)
    print(f"  the retry said: {warnings[0] if warnings else None}")
    assert killer.killed, "the load's backend was never seen running the statement"
    assert result.success
    assert retries(result) >= 1
    assert "; retrying in " in warnings[0] and "again in a minute" not in warnings[0]
    assert destination(engine) == expected(ROWS)
    assert ledger == [("LOADED",)]
    assert [status for status, _ in logs][-1] == "SUCCESS" and {status for status, _ in logs[:-1]} <= {"FAILED"}
    assert staged_rows(engine) == 0


LOCKER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("ROLLBACK")
    """
)


def hold_sqlite_lock(path, seconds: float) -> subprocess.Popen:
    """Another process holding ``BEGIN EXCLUSIVE`` on the warehouse for ``seconds``; returns once it holds it."""
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert locker.stdout.readline().strip() == "locked"
    return locker


def sqlite_path(database_url: str):
    return sa.make_url(database_url).database


SQLITE_ROWS = 50_000  # over one staging batch: the loader child's path, as a real feed takes


@pytest.mark.slow
@pytest.mark.parametrize(
    "busy_wait_s, hold_s", [pytest.param(30, 3, marks=pytest.mark.full), (1, 4)], ids=["waited-out", "retried"]
)
def test_sqlite_locked_by_another_process_then_released_loads_once(
    database_url, request, tmp_path, monkeypatch, busy_wait_s, hold_s
):
    """A few seconds of lock are waited out (busy timeout 30 s); a lock beyond the busy wait is retried."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite file lock; PostgreSQL's drop is the test above")
    engine, settings, instance = leg(request)
    from elt_project.db import engine as engine_module

    fast_back_off(monkeypatch)
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", busy_wait_s * 1000)
    folder = tmp_path / "incoming"
    path = write_orders(folder / "sales_1.csv", SQLITE_ROWS)
    setup_import(engine, folder)
    engine.dispose()
    job = sales_job(engine, settings, tmp_path)
    locker = hold_sqlite_lock(sqlite_path(database_url), hold_s)
    started = time.monotonic()
    try:
        result = run_file(job, instance, path)
    finally:
        locker.wait(timeout=60)
    took = time.monotonic() - started
    ledger, logs = ledger_and_logs(engine)
    print(
        f"\n[connection drops] sqlite: lock held {hold_s} s by another process, busy wait {busy_wait_s} s, "
        f"retries {retries(result)}, loaded in {took:.1f} s, destination {destination(engine)[0]:,} rows "
        f"(lost {SQLITE_ROWS - destination(engine)[0]}), ledger {ledger}"
    )
    assert result.success
    assert destination(engine) == expected(SQLITE_ROWS)
    assert ledger == [("LOADED",)]
    assert staged_rows(engine) == 0
    assert [status for status, _ in logs][-1] == "SUCCESS" and {status for status, _ in logs[:-1]} <= {"FAILED"}
    if busy_wait_s > hold_s:
        assert retries(result) == 0 and took >= hold_s - 0.5
    else:
        assert retries(result) >= 1
        warnings = retry_warnings(instance, result)
        print(f"  retry said: {warnings[0]}")
        assert "(database is locked); retrying in " in warnings[0]


@pytest.mark.slow
@pytest.mark.full
def test_a_fault_outlasting_the_retry_budget_fails_within_the_bound_and_elt_retry_loads_it(
    engine, settings, database_url, instance, tmp_path, monkeypatch
):
    """Every attempt meets the fault: the run fails after 3 retries with one sentence; nothing half-loaded."""
    fast_back_off(monkeypatch, first_wait_s=0.5)
    postgres = database_url.startswith("postgresql")
    folder = tmp_path / "incoming"
    rows = ROWS if postgres else SQLITE_ROWS
    path = write_orders(folder / "sales_1.csv", rows)
    setup_import(engine, folder)
    name = f"elt_drop_{uuid.uuid4().hex[:10]}"
    if postgres:
        job = sales_job(engine, marked_settings(settings, database_url, name), tmp_path)
        fault = BackendKiller(engine, name, times=TRANSIENT_RETRIES + 1)
        fault.start()
    else:
        from elt_project.db import engine as engine_module

        monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 1000)
        engine.dispose()
        job = sales_job(engine, settings, tmp_path)
        fault = hold_sqlite_lock(sqlite_path(database_url), 60)
    started = time.monotonic()
    try:
        result = run_file(job, instance, path)
        took = time.monotonic() - started
    finally:
        if postgres:
            fault.stop.set()
            fault.join()
        else:
            fault.kill()
            fault.wait()
    reason = step_failure(result)
    ledger, logs = ledger_and_logs(engine)
    bound_s = 0.5 + 1 + 2 + (TRANSIENT_RETRIES + 1) * 6  # the back-off, plus four attempts of a few seconds each
    print(
        f"\n[connection drops] {engine.dialect.name}: fault on every attempt, retries {retries(result)}, "
        f"failed after {took:.1f} s (bound {bound_s:.0f} s), destination {destination(engine)[0]} rows, "
        f"ledger {ledger}\n  said: {reason}"
    )
    assert not result.success
    assert retries(result) == TRANSIENT_RETRIES
    assert took < bound_s
    assert reason.startswith("The warehouse connection failed or was busy while ")
    assert reason.count(". ") == 0 and "Traceback" not in reason and "elt:elt" not in reason
    assert destination(engine) == (0, 0, 0)
    assert staged_rows(engine) == 0
    assert ledger in ([("FAILED",)], [])  # SQLite: the lock stopped it before the file was claimed
    assert all(status == "FAILED" for status, _ in logs)

    config = get_pipeline_config(engine, "daily_sales")
    engine.dispose()
    settled = {"recovery_after_seconds": 0, "file_min_age_seconds": 0}  # the file is seconds old
    outcome = retry_failed(engine, settings.model_copy(update=settled), config)
    ledger, logs = ledger_and_logs(engine)
    print(f"  after the fault: elt retry loaded {destination(engine)[0]:,} rows, ledger {ledger}")
    assert not outcome.summary.failed
    assert destination(engine) == expected(rows)
    assert ledger == [("LOADED",)]
    assert staged_rows(engine) == 0


def test_a_refused_warehouse_login_fails_at_once_without_retries(database_url, request, tmp_path, monkeypatch):
    """A permanent error: retrying a wrong password cannot help, so the run fails on its first attempt."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a server login; a SQLite file has none")
    engine, settings, instance = leg(request)
    fast_back_off(monkeypatch)
    folder = tmp_path / "incoming"
    path = write_orders(folder / "sales_1.csv", 10)
    setup_import(engine, folder)
    wrong = sa.make_url(database_url).set(password=f"wrong-{uuid.uuid4().hex[:8]}")
    job = sales_job(
        engine, settings.model_copy(update={"database_url": SecretStr(wrong.render_as_string(False))}), tmp_path
    )
    started = time.monotonic()
    result = run_file(job, instance, path)
    took = time.monotonic() - started
    reason = step_failure(result)
    print(
        f"\n[connection drops] postgresql wrong password: retries {retries(result)}, failed in {took:.1f} s"
        f"\n  said: {reason}"
    )
    assert not result.success
    assert retries(result) == 0
    assert reason.startswith("The warehouse refused the connection while import 'daily_sales' was starting (")
    assert "check DATABASE_URL" in reason and wrong.password not in reason
    assert destination(engine) == (0, 0, 0)
    assert ledger_and_logs(engine) == ([], [])
