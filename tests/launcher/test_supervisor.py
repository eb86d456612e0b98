"""The service supervisor with real child processes: health, graceful stop, a child dying at start-up.

Restarts of a child that dies later are in tests/reliability/.
"""

from __future__ import annotations

import socket
import sys
import time

import pytest

from elt_project.launcher.supervisor import (
    ServiceSpec,
    start_service,
    stop_service,
    wait_until_healthy,
)
from tests.net import free_port


def _http_server(tmp_path) -> ServiceSpec:
    port = free_port()
    return ServiceSpec(
        name="files",
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        url=f"http://127.0.0.1:{port}",
        cwd=tmp_path,
    )


def test_service_becomes_healthy_and_stops_with_its_group(tmp_path):
    service = start_service(_http_server(tmp_path))
    try:
        assert wait_until_healthy(service, timeout_s=30)
    finally:
        stop_service(service, timeout_s=10)
    assert service.process.poll() is not None


def test_a_service_that_exits_is_reported_unhealthy(tmp_path):
    spec = ServiceSpec(name="broken", argv=[sys.executable, "-c", "raise SystemExit(3)"], url="http://127.0.0.1:9")
    service = start_service(spec)
    assert not wait_until_healthy(service, timeout_s=10)
    assert service.process.returncode == 3


def test_a_taken_port_is_reported_with_the_setting_that_moves_it(tmp_path):
    from elt_project.launcher.supervisor import ServiceError, check_port_free

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        spec = ServiceSpec(name="Dagster", argv=[], url=f"http://127.0.0.1:{port}", port_setting="DAGSTER_PORT")
        with pytest.raises(ServiceError) as caught:
            check_port_free(spec)
    assert str(caught.value) == (
        f"Port {port} on 127.0.0.1, needed by Dagster, is already in use; "
        "stop the program holding it or set DAGSTER_PORT in .env to a free port."
    )


def test_a_child_that_dies_is_named_with_the_end_of_its_log(tmp_path):
    from elt_project.launcher.supervisor import ServiceError, wait_all_healthy

    script = "import sys\nfor i in range(30): print('line', i)\nprint('boom: no such table', flush=True)\nsys.exit(2)"
    spec = ServiceSpec(
        name="Data Importer",
        argv=[sys.executable, "-c", script],
        url="http://127.0.0.1:9",
        log_file=tmp_path / "logs" / "data_importer.log",
    )
    with pytest.raises(ServiceError) as caught:
        wait_all_healthy([start_service(spec)], timeout_s=30)
    message = str(caught.value).splitlines()
    assert message[0] == f"Data Importer stopped during start-up (exit code 2); last lines of {spec.log_file}:"
    assert message[-1].strip() == "boom: no such table"
    assert "line 0" not in str(caught.value)


def test_stop_all_kills_a_group_that_ignores_the_polite_request(tmp_path):
    """A grandchild that ignores SIGINT is killed after the timeout: nothing is left behind."""
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    spec = ServiceSpec(
        name="stubborn",
        argv=[sys.executable, "-c", script],
        url="http://127.0.0.1:9",
        log_file=tmp_path / "stubborn.log",
    )
    service = start_service(spec)
    deadline = time.monotonic() + 20
    while not spec.log_file.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.1)
    grandchild = int(spec.log_file.read_text().split()[0])
    from elt_project.launcher.supervisor import stop_all

    started = time.monotonic()
    stop_all([service], timeout_s=2)
    assert time.monotonic() - started < 10
    assert service.process.poll() is not None
    time.sleep(0.2)
    assert not _running(grandchild)


def _running(pid: int) -> bool:
    """True for a live process; a killed one waiting to be reaped (zombie) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


SUPERVISOR = """
import sys
from pathlib import Path
from elt_project.launcher.keeper import keep_running
from elt_project.launcher.supervisor import ServiceSpec, StopRequest, start_service, wait_until_healthy
stop = StopRequest().__enter__()  # as `elt start` does: stop signals are caught before any child starts
port = int(sys.argv[1])
spec = ServiceSpec(name="files", argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                   url=f"http://127.0.0.1:{port}", log_file=Path(sys.argv[2]))
service = start_service(spec)
assert wait_until_healthy(service, timeout_s=30)
print(service.process.pid, flush=True)
sys.exit(keep_running([service], poll_s=0.2, out=sys.stdout, stop=stop))
"""


@pytest.mark.parametrize("signame", ["SIGHUP", "SIGTERM", "SIGINT"])
def test_closing_the_window_or_a_stop_signal_stops_the_services(signame, tmp_path):
    """SIGHUP is what a closed terminal window sends; SIGTERM a service manager; SIGINT Ctrl+C."""
    import signal
    import subprocess

    port = free_port()
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(port), str(tmp_path / "files.log")],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    child_pid = int(supervisor.stdout.readline())
    supervisor.send_signal(getattr(signal, signame))  # the supervisor alone: it must pass the stop on
    out, _ = supervisor.communicate(timeout=30)
    assert supervisor.returncode == 0
    assert "Stopping the services..." in out
    assert not _running(child_pid)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_a_service_killed_by_a_signal_is_named_with_the_signal(tmp_path):
    from elt_project.launcher.supervisor import describe_exit

    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(2) == "exit code 2"
