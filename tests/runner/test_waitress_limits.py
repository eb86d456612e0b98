"""``python simple_ui.py`` (real waitress) on a free port: the body cap holds for chunked uploads too.

waitress buffers a whole body (to a temp file once large) before the app runs, so
the app's own checks come too late for a 1 GiB chunked body: the cap has to be
waitress's, set from the upload limit. One server per warehouse, with a 1 MB limit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from elt_project.runner.server import max_body_bytes, waitress_options
from elt_project.settings import project_root
from tests.net import free_port
from tests.runner.conftest import add_small_pipelines

pytestmark = pytest.mark.slow

CHUNK = 64 * 1024


@pytest.fixture
def served(engine, settings, tmp_path):
    """(host, port, settings) of ``simple_ui.py`` in front of the test warehouse, RUNNER_UPLOAD_MAX_MB=1."""
    small = settings.model_copy(update={"runner_upload_max_mb": 1, "runner_port": free_port()})
    add_small_pipelines(engine, small)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "DAGSTER_", "RUNNER_"))}
    env.update(
        {
            "DATABASE_URL": small.database_url.get_secret_value(),
            "ELT_DATA_DIR": str(small.data_dir),
            "RUNNER_PORT": str(small.runner_port),
            "RUNNER_UPLOAD_MAX_MB": "1",
            "BIND_HOST": "127.0.0.1",
        }
    )
    log_path = tmp_path / "simple_ui.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "simple_ui.py"], cwd=project_root(), env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{small.runner_port}/healthz", timeout=2):
                        break
                except OSError:
                    assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
                    time.sleep(0.3)
            yield "127.0.0.1", small.runner_port, small
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _chunked_upload(host: str, port: int, total_bytes: int) -> tuple[bytes, int]:
    """Send a chunked POST /upload of ``total_bytes`` without a cookie; (answer, bytes the server took)."""
    sent = 0
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(
            b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: multipart/form-data; boundary=xx\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        )
        try:
            while sent < total_bytes:
                sock.sendall(b"%x\r\n" % CHUNK + b"x" * CHUNK + b"\r\n")
                sent += CHUNK
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what we want
        answer = b""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                part = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not part:
                break
            answer += part
    return answer, sent


def test_chunked_bodies_are_capped_at_the_upload_limit_and_anonymous_ones_refused(served):
    host, port, settings = served
    started = time.monotonic()
    answer, _sent = _chunked_upload(host, port, 4 * max_body_bytes(settings))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 15
    answer, _sent = _chunked_upload(host, port, 256 * 1024)  # under the cap: the app answers, without a login
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"Please log in first." in answer
    assert waitress_options(settings)["max_request_body_size"] == max_body_bytes(settings) == 1024 * 1024 + 64 * 1024
