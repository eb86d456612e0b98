"""Killing a supervised service: it comes back after a doubling delay, and the others never go down.

The supervisor is the real one (``keep_running``) in a process of its own, over real
HTTP servers on loopback; the services are ended with SIGKILL, which no process can
catch or clean up after.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from elt_project.launcher.keeper import RestartPolicy, keep_running
from elt_project.launcher.runstate import read_state
from elt_project.launcher.supervisor import StopRequest, answers, start_service, wait_all_healthy
from tests.net import free_port
from tests.reliability.supervised import http_spec


class Watcher(threading.Thread):
    """Asks a URL every 0.1 s and counts the times it did not answer."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.misses, self.asked = url, 0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.asked += 1
            self.misses += not answers(self.url, timeout_s=2)
            time.sleep(0.1)


class Supervised:
    """``tests/reliability/supervised.py`` running ``ports`` under ``policy``."""

    def __init__(self, tmp_path: Path, ports: dict[str, int], policy: dict) -> None:
        self.dir, self.ports = tmp_path, ports
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.supervised",
                json.dumps(ports),
                str(tmp_path),
                json.dumps(policy),
            ],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def pid(self, name: str) -> int:
        state = read_state(self.dir / "launcher.json")
        return state.services[name][1].pid

    def kill_and_time(self, name: str, timeout_s: float = 60) -> float:
        """SIGKILL ``name``'s process; seconds until a new process of it answers."""
        old, back = self.pid(name), self.log().count(f"{name}: running again")
        killed = time.monotonic()
        os.kill(old, signal.SIGKILL)
        deadline, answered = killed + timeout_s, None
        while time.monotonic() < deadline:
            if answered is None and self.pid(name) != old and answers(f"http://127.0.0.1:{self.ports[name]}", 1):
                answered = time.monotonic() - killed
            if answered is not None and self.log().count(f"{name}: running again") > back:
                return answered  # and the supervisor has seen it healthy too
            time.sleep(0.05)
        raise AssertionError(f"{name} did not come back within {timeout_s} s:\n{self.log()}")

    def log(self) -> str:
        path = self.dir / "supervisor.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=60)
        return out


@pytest.mark.slow
def test_a_killed_service_comes_back_with_doubling_delays_and_the_other_stays_up(tmp_path):
    ports = {"flaky": free_port(), "steady": free_port()}
    supervised = Supervised(tmp_path, ports, {"first_delay_s": 1.0, "max_delay_s": 60.0})
    steady = Watcher(f"http://127.0.0.1:{ports['steady']}")
    steady.start()
    try:
        steady_pid = supervised.pid("steady")
        seconds = [supervised.kill_and_time("flaky") for _ in range(3)]
    finally:
        steady.done.set()
        steady.join()
        out = supervised.stop()
    log = supervised.log()
    for attempt, delay in ((1, 1), (2, 2), (3, 4)):
        assert f"flaky stopped (killed by SIGKILL); restart attempt {attempt} in {delay} s." in log
        assert seconds[attempt - 1] >= delay
    assert log.count("flaky: running again at http://127.0.0.1:") == 3
    assert "steady" not in log.replace("Stopping the services", "")
    assert "restart attempt 3 in 4 s." in out  # the console says it too
    assert steady.misses == 0 and steady.asked > 20
    assert supervised.pid("steady") == steady_pid
    print(
        f"\nhttp service: 3 kills, 3 restarts, seconds to healthy {', '.join(f'{s:.1f}' for s in seconds)} "
        f"(delays 1, 2, 4 s); the other service answered {steady.asked} of {steady.asked} checks"
    )
    for port in ports.values():
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.slow
def test_after_a_healthy_spell_the_next_failure_waits_the_first_delay_again(tmp_path):
    ports = {"flaky": free_port()}
    supervised = Supervised(tmp_path, ports, {"first_delay_s": 1.0, "stable_after_s": 1.5})
    try:
        supervised.kill_and_time("flaky")
        time.sleep(2.5)  # healthy for longer than stable_after_s
        supervised.kill_and_time("flaky")
    finally:
        supervised.stop()
    assert supervised.log().count("flaky stopped (killed by SIGKILL); restart attempt 1 in 1 s.") == 2
    assert "attempt 2" not in supervised.log()


FLAPPING = """
import http.server, os, sys, threading
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
threading.Timer(0.8, lambda: os._exit(3)).start()
server.serve_forever()
"""


def test_a_service_that_keeps_failing_is_given_up_with_one_line_and_the_others_keep_running(tmp_path):
    steady_port, flapping_port = free_port(), free_port()
    steady = start_service(http_spec("steady", steady_port, tmp_path))
    flapping_spec = http_spec("Data Importer", flapping_port, tmp_path)
    flapping_spec.argv = [sys.executable, "-c", FLAPPING, str(flapping_port)]
    flapping = start_service(flapping_spec)
    wait_all_healthy([steady, flapping], timeout_s=30)
    stop = StopRequest()  # not installed: the test sets it once the service was given up
    console = tmp_path / "console.txt"

    def stop_when_given_up() -> None:
        log, deadline = tmp_path / "supervisor.log", time.monotonic() + 60
        while time.monotonic() < deadline and "not started again" not in (log.read_text() if log.exists() else ""):
            time.sleep(0.1)
        time.sleep(0.5)
        stop.still_answering = answers(f"http://127.0.0.1:{steady_port}")
        stop.signum = signal.SIGTERM

    watcher = threading.Thread(target=stop_when_given_up, daemon=True)
    watcher.start()
    policy = RestartPolicy(first_delay_s=0.1, max_delay_s=0.4, give_up_after=3)
    with console.open("w") as out:
        status = keep_running(
            [steady, flapping], stop=stop, out=out, policy=policy, log_file=tmp_path / "supervisor.log", poll_s=0.1
        )
    watcher.join()
    assert status == 0
    text = console.read_text()
    assert text.count("Data Importer stopped (exit code 3); restart attempt") == 2
    assert (
        "Data Importer stopped (exit code 3) 3 times within 600 s; it is not started again; "
        f"read {flapping_spec.log_file}, fix the cause and start the product again."
    ) in text
    assert stop.still_answering
    assert steady.process.poll() is not None  # stopped at the end, with everything else


def test_the_delay_doubles_from_one_second_up_to_a_minute():
    policy = RestartPolicy()
    assert [policy.delay(attempt) for attempt in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
