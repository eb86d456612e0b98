"""Keeping every service up: a child that dies is restarted, alone, with bounded back-off.

One dead process must not take the product down: the daemon dying says nothing about
the Data Importer page. So each service is watched on its own; when its process ends,
the console and ``logs/supervisor.log`` say which one, how it ended, the attempt and
the delay, and it is started again after 1 s, 2 s, 4 s ... up to a minute. A service
that then stays healthy for a while (``stable_after_s``) starts again from 1 s on its
next failure. One that keeps failing quickly (``give_up_after`` failures inside
``window_s``) is left stopped with one line saying where to look, since restarting a
service that cannot start only fills its log; the others keep running.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from elt_project.launcher.supervisor import (
    RunningService,
    StopRequest,
    describe_exit,
    start_service,
    stop_all,
)


@dataclass(frozen=True)
class RestartPolicy:
    """How soon, and how often, a service that died is started again."""

    first_delay_s: float = 1.0
    max_delay_s: float = 60.0
    #: Healthy this long after a restart: the next failure starts again from ``first_delay_s``.
    stable_after_s: float = 120.0
    #: This many failures inside ``window_s``, none followed by a stable period: stop trying.
    give_up_after: int = 6
    window_s: float = 600.0

    def delay(self, attempt: int) -> float:
        """Delay before restart number ``attempt`` (1, 2, ...): doubling, capped."""
        return min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1))


class SupervisorLog:
    """Lines a person must see: on the console, and with a timestamp in ``logs/supervisor.log``."""

    def __init__(self, out: TextIO, log_file: Path | None) -> None:
        self.out = out
        self.log_file = log_file
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)

    def say(self, line: str) -> None:
        self.out.write(f"      {line}\n")
        self.out.flush()
        if self.log_file is not None:
            stamp = datetime.now().isoformat(timespec="seconds")
            with self.log_file.open("a", encoding="utf-8") as handle:
                handle.write(f"{stamp} {line}\n")


class Watch:
    """One service under watch: its current process, its recent failures, its next restart."""

    def __init__(self, service: RunningService, policy: RestartPolicy) -> None:
        self.service = service
        self.policy = policy
        self.earlier: list[RunningService] = []  # past processes whose groups are swept at the end
        self.failures: deque[float] = deque()
        self.restart_at: float | None = None
        self.died_at: float | None = None
        self.healthy_since: float | None = time.monotonic()  # started healthy (wait_all_healthy)
        self.given_up = False

    @property
    def name(self) -> str:
        return self.service.spec.name

    def step(self, now: float, log: SupervisorLog) -> bool:
        """Look at the service once; True when its process changed (started again)."""
        if self.given_up:
            return False
        process = self.service.process
        if self.restart_at is None and process.poll() is not None:
            self._died(now, log)
        elif self.restart_at is not None and now >= self.restart_at:
            self.earlier.append(self.service)
            self.service = start_service(self.service.spec, append_log=True)
            self.restart_at, self.healthy_since = None, None
            return True
        elif self.restart_at is None and self.healthy_since is None and self.service.is_healthy():
            self.healthy_since = now
            where = f" at {self.service.spec.url}" if self.service.spec.url else ""
            log.say(f"{self.name}: running again{where}, {now - (self.died_at or now):.1f} s after it stopped")
        elif (
            self.healthy_since is not None and self.failures and now - self.healthy_since >= self.policy.stable_after_s
        ):
            self.failures.clear()
        return False

    def _died(self, now: float, log: SupervisorLog) -> None:
        how = describe_exit(self.service.process.returncode)
        self.died_at, self.healthy_since = now, None
        while self.failures and now - self.failures[0] > self.policy.window_s:
            self.failures.popleft()
        self.failures.append(now)
        attempt = len(self.failures)
        if attempt >= self.policy.give_up_after:
            self.given_up = True
            where = f"; read {self.service.spec.log_file}" if self.service.spec.log_file else ""
            log.say(
                f"{self.name} stopped ({how}) {attempt} times within {self.policy.window_s:.0f} s; "
                f"it is not started again{where}, fix the cause and start the product again."
            )
            return
        delay = self.policy.delay(attempt)
        self.restart_at = now + delay
        log.say(f"{self.name} stopped ({how}); restart attempt {attempt} in {delay:.0f} s.")


def keep_running(
    services: list[RunningService],
    *,
    stop: StopRequest,
    out: TextIO | None = None,
    policy: RestartPolicy | None = None,
    log_file: Path | None = None,
    poll_s: float = 0.5,
    on_restart: Callable[[list[RunningService]], None] | None = None,
) -> int:
    """Watch every service until a stop signal, restarting those that die; then stop all.

    Returns 0 after a stop signal, 1 when every service was given up. ``on_restart`` gets
    the current services whenever one was started again (the launcher records their pids).
    """
    log = SupervisorLog(out or sys.stderr, log_file)
    watches = [Watch(service, policy or RestartPolicy()) for service in services]
    status = 0
    try:
        while not stop.requested:
            now = time.monotonic()
            changed = [watch.step(now, log) for watch in watches]
            if any(changed) and on_restart is not None:
                with contextlib.suppress(OSError):
                    on_restart([watch.service for watch in watches])
            if all(watch.given_up for watch in watches):
                log.say("Every service has stopped for good.")
                status = 1
                break
            time.sleep(poll_s)
        else:
            log.say("Stopping the services...")
    finally:
        stop_all([service for watch in watches for service in (watch.service, *watch.earlier)])
    return status
