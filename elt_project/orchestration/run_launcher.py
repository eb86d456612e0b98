"""Dagster's default run launcher, plus a health check run monitoring can use.

The default launcher starts each run in a process of the code server and cannot tell
whether that process is still alive: a worker killed by the OS (out of memory, a
crashed PC session, ``kill -9``) leaves its run STARTED forever. Forever matters
here: the run keeps its ``import`` tag slot and its ``table_*`` pool slot, so every
later run of the import, and of every import writing the same table, waits behind it.

This launcher answers run monitoring's question the simple way that fits a single
machine: the run's worker wrote its pid into the run's event log when it started
("Started process for run (pid: N)"); the worker is alive while a process with that
pid exists, is not a zombie and is not younger than that event (a reused pid).
Dagster then fails the run and frees its slots (``run_monitoring`` in ``dagster.yaml``);
the file sensors retry its files (:mod:`elt_project.orchestration.recovery`).

A worker on another host cannot be checked this way; such deployments use one of
Dagster's container launchers, which have health checks of their own.
"""

from __future__ import annotations

import dagster as dg
import psutil

# Dagster has no public home for a run launcher's health answer; these two names are the only private
# ones here, and tests/orchestration/test_private_dagster_apis.py fails when an upgrade moves them.
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus

#: Seconds a process may predate the event that names it (clock rounding, event write time).
CREATE_TIME_SLACK_S = 2.0


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """(pid, time it was logged) of the run's worker process, from its newest engine event naming one."""
    found = None
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = entry.dagster_event
        metadata = getattr(getattr(event, "event_specific_data", None), "metadata", None) or {}
        pid = metadata.get("pid")
        if pid is not None and "Started process for run" in (entry.message or ""):
            found = (int(pid.value), entry.timestamp)
    return found


def process_alive(pid: int, logged_at: float) -> bool:
    """True while ``pid`` is a live process that is not younger than the event that named it."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.create_time() <= logged_at + CREATE_TIME_SLACK_S
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:  # another user's process: it exists
        return True


class MonitoredRunLauncher(dg.DefaultRunLauncher):
    """``DefaultRunLauncher`` whose run workers run monitoring can check (see the module docstring)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run) -> CheckRunHealthResult:
        found = worker_pid(self._instance, run.run_id)
        if found is None:
            # Not logged yet (the worker is starting); start_timeout_seconds covers a worker that never does.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "The run worker has not reported its pid yet.")
        pid, logged_at = found
        if process_alive(pid, logged_at):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"Run worker pid {pid} is alive.")
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"The run worker (pid {pid}) is gone: it was killed or crashed without reporting; "
            "the file sensor retries the run's files.",
        )
