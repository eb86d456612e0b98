"""The crash storm on the scale-out deployment: Dagster's storage in PostgreSQL, 4 run workers at once.

The deployment for teams that outgrow one PC (docs/orchestration.md, "Scale-out
deployment"): ``DAGSTER_STORAGE_URL`` names a PostgreSQL database of Dagster's own, so
the launcher writes a Dagster home whose runs, event logs and schedules live there
(dagster-postgres), next to a PostgreSQL warehouse. Four imports (three appends, one
replace) in three monitored folders keep up to four runs going at once, the limit in
``dagster.yaml``. Writers drop files while the daemon, the webserver, code servers and
run workers are SIGKILLed at random, as in test_crash_storm.py; after one settle period
every file must be loaded exactly once with no human action. Printed (-s): files per
minute, lost, duplicated, stuck files, orphan staging rows, open run-log rows, and the
most runs seen in progress at once.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from elt_project.settings import load_settings
from tests.reliability.pg_database import private_database
from tests.reliability.test_crash_storm import SEED, run_storm

#: Four imports, so that four runs can be in progress at once (runs of one import never overlap).
IMPORTS = (
    ("orders", "append", "order_id"),
    ("refunds", "append", "order_id"),
    ("events", "append", None),
    ("stock", "replace", None),
)
#: Three monitored folders: orders and refunds share one (their file patterns tell them apart).
FOLDER_OF = {"orders": "sales", "refunds": "sales", "events": "events", "stock": "stock"}
SHARES = ("orders", "stock", "events", "refunds", "stock")
#: ``concurrency.runs.max_concurrent_runs`` in the project's dagster.yaml.
RUN_WORKERS = 4


def most_runs_at_once(instance: dg.DagsterInstance) -> int:
    """The most runs that were in progress (started, not ended) at the same moment."""
    moments = []
    for record in instance.get_run_records():
        if record.start_time is not None:
            moments += [(record.start_time, 1), (record.end_time or float("inf"), -1)]
    peak = current = 0
    for _moment, step in sorted(moments):
        current += step
        peak = max(peak, current)
    return peak


def storm_on_postgresql_storage(database_url: str, tmp_path: Path, monkeypatch, **storm) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the scale-out deployment keeps its warehouse on PostgreSQL")
    with private_database() as storage_url:
        # The test reads the same instance (unfinished runs) with the URL the launcher hands to Dagster.
        settings = load_settings(env={"DAGSTER_STORAGE_URL": storage_url}, env_file=tmp_path / "none.env")
        monkeypatch.setenv("DAGSTER_STORAGE_URL", settings.dagster_storage())
        run_storm(
            database_url,
            tmp_path,
            imports=IMPORTS,
            shares=SHARES,
            folder_of=FOLDER_OF,
            dagster_storage_url=storage_url,
            **storm,
        )
        home = tmp_path / "app" / "data" / "dagster_home"
        assert "env: DAGSTER_STORAGE_URL" in (home / "dagster.yaml").read_text()
        assert not (home / "history").exists(), "Dagster kept its runs in SQLite files, not in PostgreSQL"
        with dg.DagsterInstance.from_config(str(home)) as instance:
            runs, peak = instance.get_runs_count(), most_runs_at_once(instance)
        print(f"[scale-out] Dagster runs in PostgreSQL storage: {runs}, most in progress at once: {peak}")
        assert runs > 0
        assert 1 < peak <= RUN_WORKERS


@pytest.mark.slow
@pytest.mark.full
@pytest.mark.timeout(1800)  # start, 90 s of drops, up to 15 minutes of settling on a busy 2-core machine
def test_scale_out_storm_with_postgresql_storage_and_four_run_workers_loads_every_file_once(
    database_url, tmp_path, monkeypatch
):
    storm_on_postgresql_storage(
        database_url, tmp_path, monkeypatch, files=200, kills=16, seed=SEED, drop_s=90, settle_s=900
    )
