"""Running the registered models of many series on worker processes.

Fitting is CPU-bound Python (Prophet's and scikit-learn's set-up, pandas) that
holds the GIL, so threads barely overlap; processes use every core. The parent
keeps the database work: it reads the series, hands each with its model types to
a worker (:mod:`elt_project.analytics.model_worker`), and writes each result as
it comes back while the workers go on.

A worker takes a few seconds to start (importing Prophet), so small batches are
fitted in this process, and the workers are kept for the next batch and stopped
after :data:`IDLE_SECONDS` without one. A worker that dies (killed for memory,
say) costs nothing but time: its series, and any no worker is left to take, are
fitted in this process, so a run never fails for its pool.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import elt_project
from elt_project.analytics.forecasting import ForecastOptions, prophet_available
from elt_project.analytics.models import ModelContext, get_model, run_model
from elt_project.analytics.worker_frames import read_frame, write_frame
from elt_project.errors import EltError

log = logging.getLogger(__name__)

#: Workers nobody used for this long are stopped, so an idle hub does not hold their memory.
IDLE_SECONDS = 300.0
#: More workers than this rarely pay: each holds Prophet and pandas (about 250 MB).
MAX_WORKERS = 4
#: Below this many series, starting workers (a few seconds) costs more than it saves,
#: unless workers are already running from an earlier batch.
MIN_JOBS_FOR_POOL = 8
_UNIMPORTABLE_MODULES = {"__main__", "__mp_main__"}


@dataclass(frozen=True)
class FitJob:
    """One daily series and the model types to run on it (one shared fit for them all)."""

    series: pd.Series
    model_types: tuple[str, ...]
    options: ForecastOptions

    def modules(self) -> set[str]:
        """The modules that register this job's model types: a worker imports them first."""
        return {get_model(name).run.__module__ for name in self.model_types}


#: Per model type, in the job's order: (model type, frame or None, one-sentence error or None).
FitResult = list[tuple[str, "pd.DataFrame | None", "str | None"]]


class WorkerGone(Exception):
    """A worker process ended or its pipe broke; the job is fitted in this process instead."""


def default_workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def warm_up() -> None:
    """Import the fitting libraries once and quiet their logs (a worker does this at start)."""
    prophet_available()
    import sklearn.ensemble  # noqa: F401


def run_job(job: FitJob, modules: Sequence[str] = ()) -> FitResult:
    """Run every model type of ``job`` on its series; a model's failure is reported, not raised.

    A model can fail on data no check foresaw (Stan's optimiser gives up on a
    degenerate series, say); that must stop its own config, not the whole batch.
    """
    for module in modules:
        importlib.import_module(module)  # registers models defined outside elt_project
    context = ModelContext(job.options)
    results: FitResult = []
    for name in job.model_types:
        try:
            results.append((name, run_model(name, job.series, context), None))
        except EltError as exc:
            results.append((name, None, str(exc)))
        except Exception as exc:
            log.exception("Model '%s' failed on series '%s'", name, job.series.name)
            results.append((name, None, f"model '{name}' failed: {type(exc).__name__}: {exc}"))
    return results


def run_jobs(jobs: Sequence[FitJob], workers: int | None = None) -> Iterator[FitResult]:
    """Yield each job's results in the jobs' order, fitted on worker processes when that pays."""
    workers = min(default_workers() if workers is None else max(1, workers), len(jobs))
    modules = sorted(set().union(*(job.modules() for job in jobs))) if jobs else []
    worth_it = len(jobs) >= MIN_JOBS_FOR_POOL or _POOL.running() >= workers
    if workers < 2 or not worth_it or not sys.executable or _UNIMPORTABLE_MODULES & set(modules):
        for job in jobs:
            yield run_job(job)
        return
    with _POOL.lease(workers) as pool:
        futures = pool.submit(jobs, modules)
        told = False
        for job, future in zip(jobs, futures):
            try:
                result = future.result()
            except WorkerGone as exc:
                if not told:
                    log.warning("A model worker stopped (%s); fitting its series in this process.", exc)
                    told = True
                result = run_job(job)
            yield result


class _Worker:
    """One ``model_worker`` process and its two pipes."""

    def __init__(self) -> None:
        env = dict(os.environ)
        root = str(Path(elt_project.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "elt_project.analytics.model_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._ready = False
        self._lock = threading.Lock()  # one job at a time: two batches may share this worker

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, job: FitJob, modules: Sequence[str]) -> FitResult:
        try:
            with self._lock:
                if not self._ready:
                    read_frame(self.process.stdout)  # the worker has imported its libraries
                    self._ready = True
                write_frame(self.process.stdin, (job, list(modules)))
                status, payload = read_frame(self.process.stdout)
        except (EOFError, OSError) as exc:
            raise WorkerGone(f"worker {self.process.pid} exited with code {self._wait()}") from exc
        if status != "ok":
            raise WorkerGone(f"worker {self.process.pid} could not run the job: {payload}")
        return payload

    def _wait(self) -> int:
        """The exit code, once the worker (whose input is closed, or which is exiting) has ended; killed after 5 s."""
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def close_input(self) -> None:
        """End of input: the worker's loop returns and the process exits."""
        with contextlib.suppress(OSError):  # already closed, or the worker is gone
            self.process.stdin.close()

    def stop(self) -> None:
        self.close_input()
        self._wait()


class _WorkerPool:
    """Worker processes shared by the batches of this process, stopped when idle or at exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._users = 0
        self._idle_timer: threading.Timer | None = None

    def running(self) -> int:
        with self._lock:
            return sum(w.alive() for w in self._workers)

    def lease(self, workers: int) -> _Lease:
        return _Lease(self, workers)

    def _acquire(self, count: int) -> list[_Worker]:
        with self._lock:
            self._users += 1
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            self._workers = [w for w in self._workers if w.alive()]
            while len(self._workers) < count:
                try:
                    self._workers.append(_Worker())
                except OSError as exc:
                    log.warning("Could not start a model worker (%s); fitting in this process.", exc)
                    break
            return self._workers[:count]

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._workers:
                self._idle_timer = threading.Timer(IDLE_SECONDS, self._stop_if_idle)
                self._idle_timer.daemon = True
                self._idle_timer.start()

    def _stop_if_idle(self) -> None:
        with self._lock:
            if self._users == 0:
                self._stop_locked()

    def stop(self) -> None:
        with self._lock:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            self._stop_locked()

    def _stop_locked(self) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.close_input()  # all of them first: they wind down together
        for worker in workers:
            worker.stop()


class _Lease:
    """The workers one batch uses; each is driven by a thread that feeds it the next job."""

    def __init__(self, pool: _WorkerPool, workers: int) -> None:
        self._pool, self._count = pool, workers
        self._workers: list[_Worker] = []
        self._pending: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._futures: list[Future] = []

    def __enter__(self) -> _Lease:
        self._workers = self._pool._acquire(self._count)
        return self

    def __exit__(self, *exc_info) -> None:
        _fail_rest(self._pending, self._futures)  # a batch that stopped early leaves the workers no work
        self._pool._release()

    def submit(self, jobs: Sequence[FitJob], modules: Sequence[str]) -> list[Future]:
        futures = self._futures = [Future() for _ in jobs]
        pending = self._pending
        for index in range(len(jobs)):
            pending.put(index)
        live = [len(self._workers)]
        lock = threading.Lock()

        def serve(worker: _Worker) -> None:
            try:
                while (index := _take(pending)) is not None:
                    futures[index].set_running_or_notify_cancel()
                    try:
                        futures[index].set_result(worker.call(jobs[index], modules))
                    except Exception as exc:  # whatever went wrong, the parent can still fit this one
                        futures[index].set_exception(exc if isinstance(exc, WorkerGone) else WorkerGone(repr(exc)))
                        worker.stop()  # its pipes may be mid-frame: it takes no more work
                        return
            finally:
                with lock:
                    live[0] -= 1
                    last = live[0] == 0
                if last:  # nobody is left to take these: the parent fits them itself
                    _fail_rest(pending, futures)

        if not self._workers:
            _fail_rest(pending, futures)
        for worker in self._workers:
            threading.Thread(target=serve, args=(worker,), name="model-worker-feed", daemon=True).start()
        return futures


def _take(pending: queue.SimpleQueue) -> int | None:
    try:
        return pending.get_nowait()
    except queue.Empty:
        return None


def _fail_rest(pending: queue.SimpleQueue, futures: list[Future]) -> None:
    while (index := _take(pending)) is not None:
        futures[index].set_running_or_notify_cancel()
        futures[index].set_exception(WorkerGone("no model worker is left"))


_POOL = _WorkerPool()


def stop_workers() -> None:
    """Stop the worker processes now (they also stop when idle, and when this process exits)."""
    _POOL.stop()
