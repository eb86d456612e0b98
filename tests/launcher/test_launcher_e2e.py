"""The launcher end to end, once: ``python3 launch.py --no-browser`` in a copy of the project.

One start on the embedded default (the machine is small): every declared service
answers its health check, the demo's waiting files and one more dropped file land in
the destination, and Ctrl+C (SIGINT to the launcher's process group, as a terminal
sends it) stops everything, leaving no process behind. A service whose entry file is
not part of this copy is skipped by name, with the reason.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.launcher.project_copy import copy_env, copy_project
from tests.net import free_port

pytestmark = pytest.mark.slow

READY_LINE = "All services are running."


class Launch:
    """The running launcher: its process, console output, ports and marker."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.marker = uuid.uuid4().hex
        self.ports = {"DAGSTER_PORT": free_port(), "RUNNER_PORT": free_port(), "HUB_PORT": free_port()}
        env = copy_env(
            root,
            ELT_E2E_MARKER=self.marker,
            FILE_MIN_AGE_SECONDS="1",
            SENSOR_INTERVAL_SECONDS="5",
            BATCH_WINDOW_SECONDS="3",
            **{name: str(port) for name, port in self.ports.items()},
        )
        self.console_path = tmp / "console.log"
        self._console = self.console_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "launch.py", "--no-browser"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, as a console window's
        )

    @property
    def console(self) -> str:
        return self.console_path.read_text()

    def wait_ready(self, timeout_s: float = 400) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and READY_LINE not in self.console and self.process.poll() is None:
            time.sleep(1)
        assert READY_LINE in self.console, self.console[-4000:] + self.logs_tail()

    def logs_tail(self) -> str:
        return "".join(f"\n--- {p.name}\n{p.read_text()[-2000:]}" for p in (self.root / "logs").glob("*.log"))

    def stop(self, timeout_s: float = 120) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout_s)
        finally:
            self._console.close()

    def processes_left(self) -> list[str]:
        """Every process on this machine still carrying this launch's marker in its environment."""
        left = []
        needle = f"ELT_E2E_MARKER={self.marker}".encode()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if needle in (proc / "environ").read_bytes():
                    state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        left.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200])
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        return left


@pytest.fixture(scope="module")
def launch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("launch")
    root = copy_project(tmp / "app")
    running = Launch(root, tmp)
    try:
        running.wait_ready()
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


def _get(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def _needs_entry(launch: Launch, entry: str) -> None:
    if not (launch.root / entry).is_file():
        pytest.skip(f"{entry} is not part of this copy of the project, so that service is neither started nor checked")


def test_the_console_shows_numbered_steps_and_service_states_only(launch):
    console = launch.console
    for number, title in enumerate(
        [
            "Checking for Python",
            "Checking for updates",
            "Installing packages... up to date",
            "Preparing the configuration... .env created from .env.example",
            "Checking the database login... not needed (embedded warehouse)",
            "Preparing the warehouse",
            "Starting the services",
            "Opening the browser... skipped (--no-browser)",
        ],
        start=1,
    ):
        assert f"[{number}/8] {title}" in console, console
    assert "Dagster webserver: ready at http://127.0.0.1:" in console
    assert "Dagster daemon: ready (" in console
    assert "log: logs/dagster_webserver.log" in console and "log: logs/dagster_daemon.log" in console
    assert "administrator 'admin' created with the password: " in console
    for noise in ("DEBUG", "SupersessionWarning", "dg dev", "will not be used"):
        assert noise not in console, f"{noise!r} reached the console"
    assert (launch.root / "logs" / "dagster_webserver.log").stat().st_size > 0


def test_dagster_answers_without_the_first_visit_dialog(launch):
    port = launch.ports["DAGSTER_PORT"]
    assert _get(f"http://127.0.0.1:{port}/server_info")[0] == 200
    status, body = _get(f"http://127.0.0.1:{port}/graphql", json.dumps({"query": "{ shouldShowNux }"}).encode())
    assert status == 200 and json.loads(body)["data"]["shouldShowNux"] is False


def test_the_data_importer_page_answers(launch):
    _needs_entry(launch, "simple_ui.py")
    assert _get(f"http://127.0.0.1:{launch.ports['RUNNER_PORT']}/healthz")[0] == 200
    assert "Data Importer: ready at" in launch.console


def test_the_analytics_hub_answers(launch):
    _needs_entry(launch, "analytics_ui.py")
    assert _get(f"http://127.0.0.1:{launch.ports['HUB_PORT']}/_stcore/health")[0] == 200
    assert "Analytics Hub: ready at" in launch.console


def _warehouse(launch: Launch) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{launch.root / 'data' / 'warehouse.db'}")


def test_demo_files_and_a_dropped_file_land_in_the_destination(launch):
    sales = launch.root / "data" / "incoming" / "sales"
    template = next(sales.glob("sales_*.csv"), None) or next((launch.root / "data").rglob("sales_*.csv"))
    with template.open(newline="") as handle:
        rows = list(csv.DictReader(handle))[:3]
    for number, row in enumerate(rows, start=1):
        row["order_id"] = f"SO-E2E-{launch.marker[:6]}-{number}"
    dropped = sales / "sales_e2e_drop.csv.partial"
    with dropped.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    dropped.rename(sales / "sales_e2e_drop.csv")  # appears complete, as a copy into the folder would
    wanted = {row["order_id"] for row in rows}
    engine = _warehouse(launch)
    deadline = time.monotonic() + 300
    landed: set[str] = set()
    loaded = 0
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    landed = set(
                        conn.execute(
                            sa.text("SELECT order_id FROM dest_sales WHERE order_id LIKE 'SO-E2E-%'")
                        ).scalars()
                    )
                    loaded = conn.execute(
                        sa.text("SELECT count(*) FROM elt_file_ledger WHERE status = 'LOADED'")
                    ).scalar()
            except sa.exc.OperationalError:
                pass
            if landed == wanted and loaded >= 6:
                break
            time.sleep(3)
        with engine.connect() as conn:
            succeeded = set(
                conn.execute(
                    sa.text("SELECT import_name FROM etl_pipeline_run_logs WHERE status = 'SUCCESS'")
                ).scalars()
            )
            enriched_nulls = conn.execute(
                sa.text("SELECT count(*) FROM dest_sales WHERE product_category IS NULL")
            ).scalar()
    finally:
        engine.dispose()
    assert landed == wanted, launch.logs_tail()
    assert loaded == 6  # the demo's five waiting files and the dropped one
    assert succeeded == {
        "sales_daily_csv",
        "sales_daily_psv",
        "sales_daily_excel",
        "sales_daily_json",
        "inventory_snapshot",
    }
    assert enriched_nulls == 0


def test_ctrl_c_stops_every_service_and_leaves_no_process(launch):
    assert launch.process.poll() is None
    started = time.monotonic()
    code = launch.stop()
    assert code == 0, launch.console[-3000:]
    assert time.monotonic() - started < 90
    assert "All services stopped." in launch.console
    time.sleep(0.5)
    assert launch.processes_left() == []
    for port in launch.ports.values():
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0
