"""Starting services as child processes and stopping them cleanly.

Shaped after ``dagster dev``: each child is an argument list run with
``sys.executable -m ...`` in its own process group (so a signal reaches its
grandchildren too, and so Dagster's own children stop with it), and shutdown is
graceful with a timeout before a kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

IS_WINDOWS = sys.platform == "win32"


@dataclass
class ServiceSpec:
    """One service: how to start it and where it answers when healthy."""

    name: str
    argv: list[str]
    url: str
    health_path: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    @property
    def health_url(self) -> str:
        return self.url.rstrip("/") + self.health_path


@dataclass
class RunningService:
    spec: ServiceSpec
    process: subprocess.Popen


def start_service(spec: ServiceSpec) -> RunningService:
    """Start ``spec`` in a new process group with the parent's environment plus ``spec.env``."""
    env = {**os.environ, **spec.env}
    kwargs: dict = {"cwd": spec.cwd, "env": env}
    if IS_WINDOWS:
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    return RunningService(spec, subprocess.Popen(spec.argv, **kwargs))


def wait_until_healthy(service: RunningService, timeout_s: float = 180.0) -> bool:
    """Poll the health URL until it answers 2xx/3xx, the process dies, or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(service.spec.health_url, timeout=2) as response:
                if response.status < 400:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    return False


def stop_service(service: RunningService, timeout_s: float = 15.0) -> None:
    """Ask the whole process group to stop; kill it if it has not stopped in time."""
    process = service.process
    if process.poll() is not None:
        return
    try:
        if IS_WINDOWS:
            process.send_signal(signal.CTRL_BREAK_EVENT)
        else:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout_s)
    except (subprocess.TimeoutExpired, ProcessLookupError, OSError):
        try:
            if IS_WINDOWS:
                process.kill()
            else:
                os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass
        process.wait(timeout=5)


def supervise(services: list[RunningService], poll_s: float = 1.0) -> int:
    """Block until Ctrl+C / SIGTERM or until one service dies; then stop all. Returns an exit code."""
    stopping = {"signal": None}

    def _on_signal(signum, _frame):
        stopping["signal"] = signum

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    exit_code = 0
    try:
        while stopping["signal"] is None:
            dead = [s for s in services if s.process.poll() is not None]
            if dead:
                for service in dead:
                    print(
                        f"{service.spec.name} stopped unexpectedly (exit {service.process.returncode}); "
                        "stopping the other services.",
                        file=sys.stderr,
                    )
                exit_code = 1
                break
            time.sleep(poll_s)
    finally:
        for service in reversed(services):
            stop_service(service)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return exit_code
