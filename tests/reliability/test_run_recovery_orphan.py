"""Dagster killed as a whole mid-run (a crashed PC, a closed console): the orphaned run is failed and recovered.

This is the "STARTED forever" case: nothing that started the worker is left to notice
its death, so without run monitoring the run would keep its ``import`` slot and its table
pool slot for good and every later run of the import would queue behind it. Real
``dagster dev`` (webserver, daemon, code server), real processes, SQLite and PostgreSQL
warehouses. The worker stops at a hang point with its file STAGED; the test SIGKILLs
``dagster dev``'s whole process group and the worker, then starts ``dagster dev`` again,
as the launcher does, and touches nothing else.
"""

from __future__ import annotations

import os
import signal
import time

import dagster as dg
import psutil
import pytest

from elt_project.orchestration.run_launcher import worker_pid
from tests.pipeline.conftest import query
from tests.reliability.test_run_recovery import (
    POLL_INTERVAL_S,
    RECOVERY_TIMEOUT_S,
    dagster_home,
    outcome,
    setup_import,
    start_dagster,
    stop,
    wait_until_loaded,
)

FILES = 3


def hanging_worker(instance, engine, deadline: float) -> tuple[dg.DagsterRun, int]:
    """The STARTED run whose worker stopped at the hang point with its file STAGED, and the worker's pid."""
    while time.monotonic() < deadline:
        if query(engine, "SELECT COUNT(*) FROM elt_file_ledger WHERE status = 'STAGED'")[0][0]:
            for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
                found = worker_pid(instance, run.run_id)
                if found:
                    return run, found[0]
        time.sleep(0.5)
    raise AssertionError("no run reached the hang point")


@pytest.mark.slow
def test_a_run_orphaned_by_a_killed_dagster_is_failed_by_monitoring_and_its_file_loads(
    engine, settings, tmp_path, monkeypatch
):
    expected = setup_import(engine, tmp_path / "inbox", FILES)
    token = tmp_path / "hang_once"
    token.touch()
    home = dagster_home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get():
        pass  # the instance's storage is created here, not by two processes at once
    first_log = tmp_path / "dagster_1.log"
    process = start_dagster(settings, home, f"hang:after_staging_write@{token}", first_log)
    try:
        with dg.DagsterInstance.get() as instance:
            run, pid = hanging_worker(instance, engine, time.monotonic() + RECOVERY_TIMEOUT_S)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    if psutil.pid_exists(pid):
        os.kill(pid, signal.SIGKILL)
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # orphaned

    second_log = tmp_path / "dagster_2.log"
    restarted = time.monotonic()
    process = start_dagster(settings, home, "", second_log)
    try:
        with dg.DagsterInstance.get() as instance:
            while instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED:
                assert time.monotonic() - restarted < RECOVERY_TIMEOUT_S, second_log.read_text()[-3000:]
                time.sleep(0.5)
            failed_after = time.monotonic() - restarted
            final = instance.get_run_by_id(run.run_id)
            messages = [e.message or "" for e in instance.all_logs(run.run_id)]
        took = wait_until_loaded(engine, FILES, process, second_log, RECOVERY_TIMEOUT_S)
    finally:
        stop(process)
    lost, duplicated, stuck = outcome(engine, expected, FILES)
    print(
        f"\n[orphaned run] {engine.dialect.name}: files {FILES}, kills 1 (dagster dev's process group + worker), "
        f"run failed {failed_after:.0f} s after the restart (poll {POLL_INTERVAL_S} s), lost {lost}, "
        f"duplicated {duplicated}, stuck {stuck}, all loaded {took:.0f} s after the restart"
    )
    assert final.status == dg.DagsterRunStatus.FAILURE
    assert any(f"The run worker (pid {pid}) is gone" in m for m in messages)
    assert (lost, duplicated, stuck) == (0, 0, 0), second_log.read_text()[-3000:]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
