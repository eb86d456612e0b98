"""Starting services as child processes, waiting for their health checks, stopping them cleanly.

Shaped after ``dagster dev``: each child is an argument list (no shell) in its own
process group, so a signal reaches its grandchildren too (the code server the Dagster
webserver and daemon each start stops with them); shutdown asks every group at once,
waits, then kills what is left. Each child writes to its own log file, so the console
keeps only the launcher's own lines, and a child that dies is reported with the
last lines of its log. Keeping the services up (restarts) is ``keeper.py``'s business.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from elt_project.errors import EltError

IS_WINDOWS = sys.platform == "win32"
#: Signals that mean "stop everything": Ctrl+C, ``kill``, a closed terminal or console window.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK") if hasattr(signal, name)
)


class ServiceError(EltError):
    """A service could not start or stopped on its own."""

    resolution = "Read the service's log file named in the message, fix the cause and start again."


@dataclass
class ServiceSpec:
    """One service: how to start it, where it answers when healthy, where it logs."""

    name: str
    argv: list[str]
    #: Where the service answers; None for a service without a port (the Dagster daemon).
    url: str | None
    health_path: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    port_setting: str | None = None
    log_file: Path | None = None
    #: A health check of its own, given the process's start time (``time.time()``); default: GET health_url.
    health: Callable[[float], bool] | None = None

    @property
    def health_url(self) -> str:
        return (self.url or "").rstrip("/") + self.health_path

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urllib.parse.urlsplit(self.url)
        return parts.hostname or "127.0.0.1", parts.port or 80


@dataclass
class RunningService:
    spec: ServiceSpec
    process: subprocess.Popen
    started_at: float = field(default_factory=time.time)

    def is_healthy(self) -> bool:
        """The service's own check when it has one, else its health URL answers."""
        if self.spec.health is not None:
            return self.spec.health(self.started_at)
        return answers(self.spec.health_url)

    def log_tail(self, lines: int = 15) -> list[str]:
        """The last lines the service wrote, for a message that says why it died."""
        log_file = self.spec.log_file
        if log_file is None or not log_file.is_file():
            return []
        with log_file.open(encoding="utf-8", errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]


def check_port_free(spec: ServiceSpec) -> None:
    """Raise :class:`ServiceError` naming the service and its port setting when the port is taken."""
    if spec.url is None:
        return
    host, port = spec.host_port
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        if not IS_WINDOWS:  # as the servers themselves bind: a port in TIME_WAIT is free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            setting = f"set {spec.port_setting} in .env to a free port" if spec.port_setting else "free it"
            raise ServiceError(
                f"Port {port} on {host}, needed by {spec.name}, is already in use; "
                f"stop the program holding it or {setting}."
            ) from None


def start_service(spec: ServiceSpec, *, append_log: bool = False) -> RunningService:
    """Start ``spec`` in a new process group with the parent's environment plus ``spec.env``.

    A restart appends to the log, so the lines that explain the previous death stay there.
    """
    env = {**os.environ, **spec.env}
    kwargs: dict = {"cwd": spec.cwd, "env": env, "stdin": subprocess.DEVNULL}
    if IS_WINDOWS:
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    if spec.log_file is not None:
        spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        with spec.log_file.open("ab" if append_log else "wb") as log:  # the child keeps its own copy of the handle
            return RunningService(spec, subprocess.Popen(spec.argv, stdout=log, stderr=subprocess.STDOUT, **kwargs))  # noqa: S603 — each service's argument list is built by the launcher, no shell
    return RunningService(spec, subprocess.Popen(spec.argv, **kwargs))  # noqa: S603 — each service's argument list is built by the launcher, no shell


def answers(url: str, timeout_s: float = 2.0) -> bool:
    """True when ``url`` answers with a status below 400 (http and https only: never file: or custom schemes)."""
    if not url.startswith(("http://", "https://")):
        return False
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 — http(s) only, checked above
            return response.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_healthy(service: RunningService, timeout_s: float = 180.0) -> bool:
    """Poll the health URL until it answers 2xx/3xx, the process dies, or time runs out."""
    try:
        wait_all_healthy([service], timeout_s=timeout_s)
    except ServiceError:
        return False
    return True


def wait_all_healthy(
    services: list[RunningService],
    timeout_s: float = 300.0,
    on_ready: Callable[[RunningService, float], None] | None = None,
    poll_s: float = 0.25,
    stop: StopRequest | None = None,
) -> None:
    """Wait for every service at once (they start in parallel); raise when one dies or times out.

    Raises :class:`Stopped` as soon as ``stop`` records a stop signal.
    """
    started = time.monotonic()
    waiting = list(services)
    while waiting:
        if stop is not None and stop.requested:
            raise Stopped
        for service in list(waiting):
            if service.process.poll() is not None:
                raise ServiceError(died_message(service, "during start-up"))
            if service.is_healthy():
                waiting.remove(service)
                if on_ready is not None:
                    on_ready(service, time.monotonic() - started)
        if waiting and time.monotonic() - started > timeout_s:
            names = ", ".join(s.spec.name for s in waiting)
            logs = ", ".join(str(s.spec.log_file) for s in waiting if s.spec.log_file)
            raise ServiceError(f"{names} did not answer within {timeout_s:.0f} s; see {logs or 'the output above'}.")
        if waiting:
            time.sleep(poll_s)


def describe_exit(returncode: int | None) -> str:
    """``exit code 3`` or, for a process ended by a signal, ``killed by SIGKILL``."""
    if returncode is not None and returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def died_message(service: RunningService, when: str) -> str:
    """One sentence naming the service and its exit code, then the last lines of its log."""
    where = f"; last lines of {service.spec.log_file}:" if service.spec.log_file else "."
    lines = [f"{service.spec.name} stopped {when} ({describe_exit(service.process.returncode)}){where}"]
    lines += [f"    {line}" for line in service.log_tail()]
    return "\n".join(lines)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if IS_WINDOWS:
            process.send_signal(signal.CTRL_BREAK_EVENT if sig != signal.SIGTERM else signal.SIGTERM)
        else:
            os.killpg(process.pid, sig)


def _group_alive(process: subprocess.Popen) -> bool:
    if IS_WINDOWS:
        return process.poll() is None
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_all(services: list[RunningService], timeout_s: float = 20.0) -> None:
    """Ask every service's group to stop (as Ctrl+C would), wait, then kill whatever is left.

    All groups are signalled first and waited for together, so stopping three services
    takes as long as the slowest one, not the sum.
    """
    for service in services:
        # A leader that died may have left members in its group (a code server): they are asked too.
        if service.process.poll() is None or _group_alive(service.process):
            _signal_group(service.process, signal.SIGINT)
    deadline = time.monotonic() + timeout_s
    for service in services:
        remaining = max(0.1, deadline - time.monotonic())
        with contextlib.suppress(subprocess.TimeoutExpired):
            service.process.wait(timeout=remaining)
    for service in services:
        # The leader may be gone while a grandchild lingers in its group: sweep the group.
        while _group_alive(service.process) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(service.process):
            _signal_group(service.process, signal.SIGKILL if not IS_WINDOWS else signal.SIGTERM)
            if IS_WINDOWS:
                service.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            service.process.wait(timeout=5)


def stop_service(service: RunningService, timeout_s: float = 15.0) -> None:
    """Stop one service and its group (graceful first, then forced)."""
    stop_all([service], timeout_s=timeout_s)


class Stopped(Exception):
    """A stop signal arrived while the services were starting."""


class StopRequest:
    """Catches the stop signals from the start: no child may inherit an ignored Ctrl+C.

    Installed before the first child starts, because a child started while SIGINT is
    ignored (a launcher run in the background) would ignore it forever. The handler
    only records the signal; the waiting loops look at :attr:`requested`, so a signal
    arriving at any moment, even between two steps, is never lost or half-handled.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def __enter__(self) -> StopRequest:
        for sig in STOP_SIGNALS:
            with contextlib.suppress(ValueError, OSError):
                self._previous[sig] = signal.signal(sig, self._on_signal)
        return self

    def _on_signal(self, signum, _frame) -> None:
        self.signum = signum

    def __exit__(self, *_exc) -> None:
        for sig, handler in self._previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, handler)
