"""Run workers SIGKILLed under a real `dagster dev`: run monitoring fails the runs, the sensor loads the files.

The whole stack is real: ``dagster dev`` (webserver, daemon, code server) with the
project's ``dagster.yaml`` (only its poll interval shortened), a file sensor on a real
folder, the warehouse on SQLite and on PostgreSQL. Run workers kill themselves with
SIGKILL after staging a file (``ELT_CRASH_AT``: one crash per token file, so each kill
hits a different run), the way the OS kills a worker. Nobody touches anything after
that: the test only waits, then counts files, kills, lost, duplicated and stuck.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

from elt_project.pipeline.crashpoints import ENV_VAR
from tests.net import free_port
from tests.orchestration.conftest import add_config
from tests.pipeline.conftest import DEST_DDL, STAGING_DDL, execute, query, write_csv

ROOT = Path(__file__).resolve().parents[2]
FILES = 6
KILLS = 2
#: Start of Dagster, six runs, two kills noticed within the poll interval, two retries.
RECOVERY_TIMEOUT_S = 300
POLL_INTERVAL_S = 2


def dagster_home(root: Path) -> Path:
    """The project's instance config with a short run-monitoring poll interval (the test waits less)."""
    home = root / "dagster_home"
    home.mkdir()
    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    config["run_monitoring"].update(poll_interval_seconds=POLL_INTERVAL_S, free_slots_after_run_end_seconds=1)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def start_dagster(settings, home: Path, crash_at: str, log_path: Path, port: int | None = None) -> subprocess.Popen:
    """`dagster dev` on the test warehouse, with short sensor and recovery bounds and ``crash_at`` armed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "DAGSTER_"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DAGSTER_HOME": str(home),
            "DATABASE_URL": settings.database_url.get_secret_value(),
            "ELT_DATA_DIR": str(settings.data_dir),
            "ELT_TRANSFORMS_DIR": str(settings.transforms_dir),
            "SENSOR_INTERVAL_SECONDS": "1",
            "FILE_MIN_AGE_SECONDS": "1",
            "RECOVERY_AFTER_SECONDS": "3",
            ENV_VAR: crash_at,
        }
    )
    port = port or free_port()
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def setup_import(engine, inbox: Path, files: int) -> set[int]:
    """One append import over ``inbox`` holding ``files`` files of 3 rows; returns the order ids expected."""
    execute(engine, STAGING_DDL, DEST_DDL)
    add_config(engine, monitored_directory=str(inbox), staging_table="stg_sales", destination_table="dest_sales")
    for n in range(files):
        write_csv(inbox / f"sales_{n}.csv", [[n * 10 + i, f"c{n}", str(i), "A"] for i in range(3)])
    return {n * 10 + i for n in range(files) for i in range(3)}


def outcome(engine, expected: set[int], files: int) -> tuple[int, int, int]:
    """(lost, duplicated, stuck) rows and files as the warehouse says."""
    rows = query(engine, "SELECT order_id, COUNT(*) FROM dest_sales GROUP BY order_id")
    lost = len(expected - {r[0] for r in rows})
    duplicated = sum(count - 1 for _, count in rows)
    stuck = query(engine, "SELECT COUNT(*) FROM elt_file_ledger WHERE status <> 'LOADED'")[0][0]
    stuck += files - query(engine, "SELECT COUNT(*) FROM elt_file_ledger")[0][0]
    stuck += query(engine, "SELECT COUNT(*) FROM etl_pipeline_run_logs WHERE status IN ('STARTED', 'STAGED')")[0][0]
    return lost, duplicated, stuck


def wait_until_loaded(engine, files: int, process, log_path: Path, timeout_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if query(engine, "SELECT COUNT(*) FROM elt_file_ledger WHERE status = 'LOADED'")[0][0] == files:
            break
        assert process.poll() is None, log_path.read_text()[-3000:]
        time.sleep(1)
    return time.monotonic() - started


@pytest.mark.slow
def test_killed_run_workers_are_failed_by_monitoring_and_their_files_load_once(engine, settings, tmp_path, monkeypatch):
    expected = setup_import(engine, tmp_path / "inbox", FILES)
    tokens = tmp_path / "kills"
    tokens.mkdir()
    for k in range(KILLS):
        (tokens / f"kill_{k}").touch()
    home = dagster_home(tmp_path)
    log_path = tmp_path / "dagster.log"
    process = start_dagster(settings, home, f"after_staging_write@{tokens}", log_path)
    try:
        took = wait_until_loaded(engine, FILES, process, log_path, RECOVERY_TIMEOUT_S)
    finally:
        stop(process)

    kills = KILLS - len(os.listdir(tokens))
    lost, duplicated, stuck = outcome(engine, expected, FILES)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        unfinished = [r.run_id for r in runs if not r.is_finished]
        failed = [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE]
        # Whichever sees the death first fails the run: the code server that started the worker (it saw its
        # child end by SIGKILL) or run monitoring (the worker's pid is gone; alone in test_run_recovery_orphan).
        signs = ("SIGKILL", "The run worker (pid")
        noticed = [r for r in failed if any(s in (e.message or "") for e in instance.all_logs(r.run_id) for s in signs)]
    print(
        f"\n[run recovery] {engine.dialect.name}: files {FILES}, kills {kills}, lost {lost}, duplicated {duplicated}, "
        f"stuck {stuck + len(unfinished)}, runs {len(runs)} ({len(failed)} failed, {len(noticed)} for a kill), "
        f"all loaded {took:.0f} s after start"
    )
    assert kills == KILLS, "the crash point did not fire: " + log_path.read_text()[-2000:]
    assert (lost, duplicated, stuck, unfinished) == (0, 0, 0, []), log_path.read_text()[-3000:]
    assert len(noticed) == KILLS
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
