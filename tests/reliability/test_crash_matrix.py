# ruff: noqa: F811  (the pipeline fixtures are imported by name, then requested as arguments)
"""A real `elt run` process SIGKILLed at each step of a load, then recovered, on SQLite and PostgreSQL.

The process kills itself at a named crash point (``ELT_CRASH_AT``, see
:mod:`elt_project.pipeline.crashpoints`): no handler of ours runs, as when the OS kills a
worker. The recovery that follows is the engine's (what ``elt retry`` and the file
sensor's recovery pass call); afterwards the destination must equal a load without a
crash, every file LOADED once, staging empty and no run-log row left open.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from elt_project.errors import ConfigurationError
from elt_project.pipeline.api import run_import
from elt_project.pipeline.crashpoints import ENV_VAR, POINTS
from elt_project.pipeline.retry import retry_failed
from tests.pipeline.conftest import add_config, inbox, query, sales_tables, write_csv  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
FIRST = [[1, "Ann", "10", "A"], [2, "Bob", "20", "A"]]
SECOND = [[3, "Cy", "30", "A"], [4, "Di", "40", "I"], [5, "Ed", "50", "A"]]
EXPECTED = {
    "append": [(1, "Ann"), (2, "Bob"), (3, "Cy"), (4, "Di"), (5, "Ed")],
    "replace": [(3, "Cy"), (4, "Di"), (5, "Ed")],
}


def elt_process(settings, *args: str, crash_at: str | None = None, **extra_env: str) -> subprocess.CompletedProcess:
    """`elt ARGS` as a real process on the test warehouse; ``crash_at`` arms a crash point."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "ELT_TRANSFORMS_DIR": str(settings.transforms_dir),
        **extra_env,
    }
    env.pop(ENV_VAR, None)
    if crash_at:
        env[ENV_VAR] = crash_at
    command = [sys.executable, "-c", "from elt_project.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


def open_run_logs(engine) -> int:
    return query(engine, "SELECT COUNT(*) FROM etl_pipeline_run_logs WHERE status IN ('STARTED', 'STAGED')")[0][0]


def crash_and_recover(settings, engine, config, inbox: Path, point: str) -> tuple[bool, list[tuple]]:
    """Load FIRST cleanly, crash `elt run` on SECOND at ``point``, recover; returns (killed, destination)."""
    run_import(engine, settings, config, [write_csv(inbox / "sales_1.csv", FIRST)])
    second = write_csv(inbox / "sales_2.csv", SECOND)
    crashed = elt_process(settings, "run", config.import_name, "--file", str(second), crash_at=point)
    killed = crashed.returncode == -signal.SIGKILL
    try:
        retry_failed(engine, settings.model_copy(update={"recovery_after_seconds": 0}), config)
    except ConfigurationError:
        assert point == "after_commit", "only a run that committed leaves nothing to retry"
    return killed, query(engine, "SELECT order_id, customer FROM dest_sales ORDER BY order_id")


@pytest.mark.slow
@pytest.mark.parametrize("method", ["append", "replace"])
@pytest.mark.parametrize("point", POINTS)
def test_a_load_killed_at_any_step_is_completed_by_recovery(settings, sales_tables, add_config, inbox, point, method):
    engine = sales_tables
    config = add_config(load_method=method)
    killed, destination = crash_and_recover(settings, engine, config, inbox, point)
    assert killed, f"`elt run` was not killed at {point}"
    assert destination == EXPECTED[method]
    assert query(engine, "SELECT status, COUNT(*) FROM elt_file_ledger GROUP BY status") == [("LOADED", 2)]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
    assert open_run_logs(engine) == 0
    if point != "after_commit":
        lost = query(engine, "SELECT error_message FROM etl_pipeline_run_logs WHERE status = 'FAILED'")
        assert len(lost) == 1 and lost[0][0].startswith("Run lost: run manual-")
    print(f"\n[crash matrix] {engine.dialect.name} {method} {point}: files 2, kills 1, lost 0, duplicated 0, stuck 0")


@pytest.mark.slow
def test_elt_retry_leaves_a_run_that_is_still_within_the_bound(settings, sales_tables, add_config, inbox):
    """A STAGED file younger than RECOVERY_AFTER_SECONDS may belong to a live run: `elt retry` leaves it."""
    engine = sales_tables
    config = add_config(load_method="append")
    second = write_csv(inbox / "sales_2.csv", SECOND)
    crashed = elt_process(settings, "run", config.import_name, "--file", str(second), crash_at="after_quality")
    assert crashed.returncode == -signal.SIGKILL
    with pytest.raises(ConfigurationError, match="no failed files to retry"):
        retry_failed(engine, settings.model_copy(update={"recovery_after_seconds": 3600}), config)
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("STAGED",)]
    assert open_run_logs(engine) == 1


@pytest.mark.slow
def test_elt_retry_command_loads_staged_and_never_claimed_files(settings, sales_tables, add_config, inbox):
    """`elt retry` as a process: a file a dead run left STAGED and one it never claimed are both loaded once."""
    engine = sales_tables
    config = add_config(load_method="append", file_pattern="sales_*.csv")
    staged = write_csv(inbox / "sales_1.csv", FIRST)
    crashed = elt_process(settings, "run", config.import_name, "--file", str(staged), crash_at="after_staging_write")
    assert crashed.returncode == -signal.SIGKILL
    write_csv(inbox / "sales_2.csv", SECOND)  # its run died before claiming it: no ledger row
    os.utime(inbox / "sales_2.csv", (0, 1_000_000))  # long settled
    os.utime(staged, (0, 1_000_000))
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("STAGED",)]
    retried = elt_process(settings, "retry", config.import_name, RECOVERY_AFTER_SECONDS="0")
    assert retried.returncode == 0, retried.stderr
    assert "Released 1 file(s)" in retried.stdout
    assert query(engine, "SELECT order_id, customer FROM dest_sales ORDER BY order_id") == EXPECTED["append"]
    assert query(engine, "SELECT status, COUNT(*) FROM elt_file_ledger GROUP BY status") == [("LOADED", 2)]
    assert open_run_logs(engine) == 0
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
