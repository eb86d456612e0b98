"""Run monitoring with the project's launcher, through Dagster's own monitoring code.

A real child process stands for a run worker and really is SIGKILLed. Dagster's
``monitor_started_run`` (what the daemon calls every ``poll_interval_seconds``) then asks
:class:`MonitoredRunLauncher` and fails the run on the first poll after the kill; the
concurrency iteration frees the table pool slot the failed run held. This is the path
that matters when no code server is left to notice the death (the code server that
started a worker fails the run itself when it sees its child die).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import dagster as dg
import psutil
import pytest
from dagster._core.events import EngineEventData
from dagster._core.launcher.base import WorkerStatus
from dagster._core.test_utils import create_run_for_test
from dagster._daemon.monitoring.concurrency import execute_concurrency_slots_iteration
from dagster._daemon.monitoring.run_monitoring import monitor_started_run

from elt_project.orchestration.run_launcher import MonitoredRunLauncher, process_alive

POOL = "table_dest_sales"


@pytest.fixture
def instance():
    overrides = {
        "run_launcher": {"module": "elt_project.orchestration.run_launcher", "class": "MonitoredRunLauncher"},
        "run_monitoring": {
            "enabled": True,
            "max_resume_run_attempts": 0,
            "poll_interval_seconds": 1,
            "free_slots_after_run_end_seconds": 1,
        },
    }
    with dg.instance_for_test(overrides=overrides) as inst:
        yield inst


@pytest.fixture
def worker():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def started_run(instance, pid: int):
    run = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED)
    instance.report_engine_event(f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid))
    return run


def test_a_killed_worker_fails_its_run_on_the_next_poll_and_frees_its_pool_slot(instance, worker):
    assert isinstance(instance.run_launcher, MonitoredRunLauncher)
    run = started_run(instance, worker.pid)
    instance.event_log_storage.set_concurrency_slots(POOL, 1)
    assert instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, "sales_transform").is_claimed
    record = instance.get_run_records(dg.RunsFilter(run_ids=[run.run_id]))[0]

    monitor_started_run(instance, None, record, logging.getLogger("test"))
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # alive: left alone

    worker.send_signal(signal.SIGKILL)  # not reaped: a zombie, as under a code server that is gone
    killed_at = time.monotonic()
    while psutil.Process(worker.pid).status() != psutil.STATUS_ZOMBIE and time.monotonic() - killed_at < 5:
        time.sleep(0.02)  # the signal is delivered asynchronously
    monitor_started_run(instance, None, record, logging.getLogger("test"))
    failed = instance.get_run_by_id(run.run_id)
    assert failed.status == dg.DagsterRunStatus.FAILURE
    messages = [e.message or "" for e in instance.all_logs(run.run_id)]
    assert any(f"The run worker (pid {worker.pid}) is gone" in m for m in messages)

    time.sleep(1.5)  # free_slots_after_run_end_seconds
    list(execute_concurrency_slots_iteration(SimpleNamespace(instance=instance), logging.getLogger("test")))
    assert instance.event_log_storage.get_concurrency_info(POOL).active_slot_count == 0
    print(f"\n[run monitoring] killed worker's run failed {time.monotonic() - killed_at:.2f} s after the kill + poll")


def test_a_reused_pid_does_not_count_as_the_worker(worker):
    """A live process younger than the event that named its pid is someone else: the worker is gone."""
    assert process_alive(worker.pid, logged_at=time.time())
    assert not process_alive(worker.pid, logged_at=time.time() - 3600)


def test_a_run_without_a_recorded_pid_is_left_to_the_start_timeout(instance):
    run = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED)
    assert instance.run_launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
