"""The service supervisor with real child processes: health, graceful stop, a dying child."""

from __future__ import annotations

import socket
import sys
import time

from elt_project.launcher.supervisor import (
    ServiceSpec,
    start_service,
    stop_service,
    supervise,
    wait_until_healthy,
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_server(tmp_path) -> ServiceSpec:
    port = _free_port()
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


def test_supervise_stops_everything_when_one_service_dies(tmp_path):
    healthy = start_service(_http_server(tmp_path))
    short = start_service(
        ServiceSpec(name="short", argv=[sys.executable, "-c", "import time; time.sleep(1)"], url="http://127.0.0.1:9")
    )
    assert wait_until_healthy(healthy, timeout_s=30)
    started = time.monotonic()
    assert supervise([healthy, short], poll_s=0.2) == 1
    assert time.monotonic() - started < 20
    assert healthy.process.poll() is not None
