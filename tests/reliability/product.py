"""The real product started by ``python3 launch.py --no-browser`` in a throw-away copy of the project.

Used by the kill tests: it knows the copy's ports, reads ``data/launcher.json`` for the
services' current pids, and finds every process the start left behind by a marker in
their environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from elt_project.launcher.runstate import RunState, read_state
from tests.launcher.project_copy import copy_env, copy_project
from tests.net import free_port

READY_LINE = "All services are running."


class Product:
    """One start of the product; ``without`` names entry files removed, so those services are left out.

    ``prepare`` is called with the copy's folder before the start (e.g. to shorten bounds in its ``dagster.yaml``).
    """

    def __init__(
        self,
        tmp: Path,
        *args: str,
        without: tuple[str, ...] = (),
        prepare: Callable[[Path], None] | None = None,
        **env: str,
    ) -> None:
        self.root = copy_project(tmp / "app")
        for name in without:
            (self.root / name).unlink()
        if prepare is not None:
            prepare(self.root)
        self.marker = uuid.uuid4().hex
        self.ports = {"DAGSTER_PORT": free_port(), "RUNNER_PORT": free_port(), "HUB_PORT": free_port()}
        self.environ = environ = copy_env(
            self.root, ELT_E2E_MARKER=self.marker, **{k: str(v) for k, v in self.ports.items()}, **env
        )
        self.console_path = tmp / "console.log"
        self._console = self.console_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "launch.py", "--no-browser", "--no-update", *args],
            cwd=self.root,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=self._console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def launch(self, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
        """Another ``python3 launch.py ...`` in the same folder and settings (a second window)."""
        return subprocess.run(
            [sys.executable, "launch.py", *args],
            cwd=self.root,
            env=self.environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )

    @property
    def console(self) -> str:
        return self.console_path.read_text()

    def supervisor_log(self) -> str:
        path = self.root / "logs" / "supervisor.log"
        return path.read_text() if path.exists() else ""

    def state(self) -> RunState:
        state = read_state(self.root / "data" / "launcher.json")
        assert state is not None, self.console
        return state

    def pid(self, name: str) -> int:
        return self.state().services[name][1].pid

    def wait_ready(self, timeout_s: float = 400) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and READY_LINE not in self.console and self.process.poll() is None:
            time.sleep(0.5)
        assert READY_LINE in self.console, self.console[-4000:] + self.logs_tail()

    def logs_tail(self) -> str:
        return "".join(f"\n--- {p.name}\n{p.read_text()[-2000:]}" for p in (self.root / "logs").glob("*.log"))

    def signal_outer(self, sig: int, timeout_s: float = 120) -> int:
        """Send ``sig`` to the outermost launch.py alone (as `kill -SIG <pid>` does); its exit status."""
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
        try:
            return self.process.wait(timeout=timeout_s)
        finally:
            self._console.close()

    def kill_everything(self) -> None:
        """After a failed test: nothing of this start may outlive it."""
        for pid in self.pids_left():
            with contextlib.suppress(OSError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
        self._console.close()

    def pids_left(self) -> list[int]:
        needle = f"ELT_E2E_MARKER={self.marker}".encode()
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                marked = needle in (proc / "environ").read_bytes()
                if marked and (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(proc.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        return found

    def processes_left(self) -> list[str]:
        left = []
        for pid in self.pids_left():
            try:
                left.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200])
            except FileNotFoundError:
                continue
        return left

    def ports_answering(self) -> list[int]:
        answering = []
        for port in self.ports.values():
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    answering.append(port)
        return answering
