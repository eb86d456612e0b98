"""The record of a running product (``data/launcher.json``): who supervises, which services, where.

Written when the services have started and again after every restart, removed when
they stop. It lets a second start say "already running" instead of failing on a
taken port, and lets ``elt stop`` (``python3 launch.py stop``) stop the product from
another window, also the services an earlier launcher left behind when it was killed
outright. Each pid is stored with its process's start time, so a pid the system has
since given to another program is never signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from elt_project.launcher.supervisor import RunningService
from elt_project.settings import Settings

STATE_FILE = "launcher.json"
STOP_COMMAND = "python3 launch.py stop"


@dataclass(frozen=True)
class Recorded:
    """A process as recorded: its pid and start time (``psutil``'s ``create_time``)."""

    pid: int
    created: float

    def alive(self) -> bool:
        """True when the pid still runs the same process (not a later one given the same pid)."""
        try:
            process = psutil.Process(self.pid)
            return abs(process.create_time() - self.created) < 1.0 and process.status() != psutil.STATUS_ZOMBIE
        except (psutil.Error, OSError):
            return False

    @classmethod
    def of(cls, pid: int) -> Recorded:
        return cls(pid, psutil.Process(pid).create_time())


@dataclass(frozen=True)
class RunState:
    supervisor: Recorded
    services: dict[str, tuple[str | None, Recorded]]  # name -> (url, process)

    @property
    def address(self) -> str | None:
        """The address a person opens: the Data Importer page, else the first service with one."""
        urls = [url for name, (url, _) in self.services.items() if url and name == "Data Importer"]
        urls += [url for url, _ in self.services.values() if url]
        return urls[0] if urls else None

    def ports(self) -> set[int]:
        return {int(url.rsplit(":", 1)[1].split("/")[0]) for url, _ in self.services.values() if url}


def state_path(settings: Settings) -> Path:
    return settings.data_dir / STATE_FILE


def write_state(path: Path, services: list[RunningService]) -> None:
    """Record this process as the supervisor and ``services`` with their pids (replaced atomically)."""
    data = {
        "supervisor": {"pid": os.getpid(), "created": psutil.Process().create_time()},
        "services": {
            service.spec.name: {
                "url": service.spec.url,
                "pid": service.process.pid,
                "created": _created(service.process.pid),
            }
            for service in services
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(data, indent=2), encoding="utf-8")
    partial.replace(path)


def _created(pid: int) -> float:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return 0.0


def read_state(path: Path) -> RunState | None:
    """The recorded state, or None when there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        supervisor = Recorded(int(data["supervisor"]["pid"]), float(data["supervisor"]["created"]))
        services = {
            name: (entry.get("url"), Recorded(int(entry["pid"]), float(entry["created"])))
            for name, entry in data["services"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return RunState(supervisor, services)


def clear_state(path: Path) -> None:
    """Remove the record when it names this process (a newer supervisor's record is left alone)."""
    state = read_state(path)
    if state is None or state.supervisor.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def already_running_message(state: RunState) -> str:
    where = f" at {state.address}" if state.address else ""
    return (
        f"The product is already running (pid {state.supervisor.pid}){where}; "
        f"open it, or stop it with `{STOP_COMMAND}`."
    )


def stop_recorded(path: Path, timeout_s: float = 60.0) -> list[str]:
    """Stop the recorded supervisor (it stops its services), then any recorded service left over.

    Returns the lines to print.
    """
    state = read_state(path)
    if state is None:
        return [f"The product is not running (nothing recorded in {path})."]
    lines = []
    if state.supervisor.alive():
        _ask_to_stop(state.supervisor.pid)
        if _wait_gone([state.supervisor], timeout_s):
            lines.append(f"Stopped the product (pid {state.supervisor.pid}).")
        else:
            lines.append(f"The launcher (pid {state.supervisor.pid}) did not stop within {timeout_s:.0f} s.")
    leftovers = {name: process for name, (_url, process) in state.services.items() if process.alive()}
    for name, process in leftovers.items():
        _end_group(process)
        lines.append(f"Stopped {name} (pid {process.pid}), left running by an earlier start.")
    if not _wait_gone(list(leftovers.values()), 15.0):
        for process in leftovers.values():
            _end_group(process, force=True)
    if not lines:
        lines.append("The product was not running any more.")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return lines


def _ask_to_stop(pid: int) -> None:
    """What Ctrl+C does: the supervisor stops its services gracefully and exits.

    On Windows a console process is asked with CTRL_BREAK_EVENT (it shares the console of
    whoever runs this); that path is written but is not exercised by the tests here.
    """
    with contextlib.suppress(OSError):
        os.kill(pid, signal.CTRL_BREAK_EVENT if sys.platform == "win32" else signal.SIGTERM)


def _end_group(process: Recorded, force: bool = False) -> None:
    """Signal a leftover service's whole process group (each service leads its own)."""
    with contextlib.suppress(OSError, psutil.Error):
        if sys.platform == "win32":
            psutil.Process(process.pid).kill()
        elif os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL if force else signal.SIGTERM)


def _wait_gone(processes: list[Recorded], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while any(p.alive() for p in processes):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
