"""The product's main command for real: `elt start` on an empty data folder.

It must migrate the embedded warehouse, install the demo, start Dagster (webserver,
daemon, code server), let the file sensors load the demo's waiting files, and stop
every process on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _loaded_files(db_path) -> int:
    if not db_path.exists():
        return 0
    engine = sa.create_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM elt_file_ledger WHERE status = 'LOADED'")).scalar()
    except sa.exc.OperationalError:
        return 0
    finally:
        engine.dispose()


def test_elt_start_loads_the_demo_files_and_stops_cleanly(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "DAGSTER_"))}
    env.update(
        {
            "ELT_DATA_DIR": str(tmp_path / "data"),
            "DAGSTER_PORT": str(port),
            "HUB_PORT": str(_free_port()),
            "FILE_MIN_AGE_SECONDS": "1",
            "SENSOR_INTERVAL_SECONDS": "5",
            "BATCH_WINDOW_SECONDS": "3",
        }
    )
    log = (tmp_path / "start.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "elt_project.cli", "start"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    db_path = tmp_path / "data" / "warehouse.db"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and _loaded_files(db_path) < 5 and process.poll() is None:
            time.sleep(3)
        output = (tmp_path / "start.log").read_text()
        assert process.poll() is None, output[-3000:]
        assert _loaded_files(db_path) == 5, output[-3000:]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as response:
            assert response.status == 200
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        log.close()
    assert process.returncode == 0
    with socket.socket() as sock:  # the webserver is gone with its supervisor
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    engine = sa.create_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                sa.text("SELECT import_name, status FROM etl_pipeline_run_logs WHERE status = 'SUCCESS'")
            ).all()
        )
        enriched_nulls = conn.execute(
            sa.text("SELECT count(*) FROM dest_sales WHERE product_category IS NULL")
        ).scalar()
    engine.dispose()
    assert set(statuses) == {
        "sales_daily_csv",
        "sales_daily_psv",
        "sales_daily_excel",
        "sales_daily_json",
        "inventory_snapshot",
    }
    assert enriched_nulls == 0
