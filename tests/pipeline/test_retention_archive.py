"""How long staged rows stay, and where processed files go: on both warehouses and real folders."""

from __future__ import annotations

import errno
import shutil
from datetime import timedelta

import pytest
import sqlalchemy as sa

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import etl_pipeline_run_logs
from elt_project.errors import DiskFull
from elt_project.pipeline import archive, retention
from elt_project.pipeline.ledger import utcnow
from tests.pipeline.conftest import execute, query

NOW = utcnow() - timedelta(hours=1)  # the default "now" of the last purge below is an hour later


def _config(**values) -> PipelineConfig:
    row = {
        "pipeline_name": "p",
        "import_name": "imp",
        "file_pattern": "*.csv",
        "file_type": "csv",
        "staging_table": "stg_k",
        "destination_table": "dest_k",
        "load_method": "append",
    }
    row.update(values)
    return PipelineConfig(**row)


def test_retention_defaults_to_a_week_and_never_goes_below_zero():
    assert retention.retention_days(_config()) == retention.DEFAULT_FAILED_RETENTION_DAYS == 7
    assert retention.retention_days(_config(staging_retention_days=3)) == 3
    assert retention.retention_days(_config(staging_retention_days=0)) == 0
    assert retention.retention_days(_config(staging_retention_days=-2)) == 0


def test_purge_removes_only_this_imports_runs_older_than_the_window(engine):
    execute(engine, "CREATE TABLE stg_k (v VARCHAR(5), dagster_run_id VARCHAR(255))")
    runs = {  # run id: (import, days before NOW)
        "old": ("imp", 8),
        "edge": ("imp", 7),  # exactly one window old: kept
        "young": ("imp", 1),
        "current": ("imp", 30),
        "neighbour": ("other", 30),
    }
    with engine.begin() as conn:
        conn.execute(
            sa.insert(etl_pipeline_run_logs),
            [
                {"run_id": run, "import_name": name, "status": "FAILED", "start_time": NOW - timedelta(days=days)}
                for run, (name, days) in runs.items()
            ],
        )
    for run in [*runs, "unlogged"]:
        execute(engine, "INSERT INTO stg_k VALUES ('x', :r), ('y', :r)", params={"r": run})
    staging = sa.Table("stg_k", sa.MetaData(), autoload_with=engine)
    assert retention.purge_expired(engine, _config(), staging, current_run_id="current", now=NOW) == 2
    left = sorted({run for (run,) in query(engine, "SELECT dagster_run_id FROM stg_k")})
    assert left == ["current", "edge", "neighbour", "unlogged", "young"]
    # a window of 2 days: the week-old edge run goes too
    assert (
        retention.purge_expired(engine, _config(staging_retention_days=2), staging, current_run_id="current", now=NOW)
        == 2
    )
    assert retention.purge_expired(engine, _config(staging_retention_days=2), staging, current_run_id="x") == 2
    left = sorted({run for (run,) in query(engine, "SELECT dagster_run_id FROM stg_k")})
    assert left == ["neighbour", "unlogged", "young"]
    assert retention.purge_expired(engine, _config(staging_retention_days=2), staging, current_run_id="x") == 0


def test_a_successful_run_is_deleted_at_once_unless_kept(engine):
    execute(engine, "CREATE TABLE stg_k (v VARCHAR(5), dagster_run_id VARCHAR(255))")
    execute(engine, "INSERT INTO stg_k VALUES ('a', 'r1'), ('b', 'r2')")
    staging = sa.Table("stg_k", sa.MetaData(), autoload_with=engine)
    assert retention.after_success(engine, _config(staging_retention_days=1), staging, "r1") is False
    assert query(engine, "SELECT COUNT(*) FROM stg_k") == [(2,)]
    for kept_none in (None, 0, -1):
        assert retention.after_success(engine, _config(staging_retention_days=kept_none), staging, "r1") is True
    assert query(engine, "SELECT dagster_run_id FROM stg_k") == [("r2",)]


def _folders(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return inbox, _config(archive_processed_files=1, monitored_directory=str(inbox))


def test_archive_moves_only_files_of_the_monitored_folder_beside_it(tmp_path):
    inbox, config = _folders(tmp_path)
    loaded = inbox / "a.csv"
    loaded.write_text("1")
    elsewhere = tmp_path / "b.csv"
    elsewhere.write_text("2")
    moved = archive.archive(config, [elsewhere, inbox / "vanished.csv", loaded], "processed")
    assert moved == [tmp_path / "processed" / "a.csv"]
    assert moved[0].read_text() == "1" and not loaded.exists() and elsewhere.exists()
    # the same name again gets a time stamp instead of overwriting the first
    loaded.write_text("3")
    (second,) = archive.archive(config, [str(loaded)], "failed")
    assert second == tmp_path / "failed" / "a.csv"
    loaded.write_text("4")
    (third,) = archive.archive(config, [loaded], "failed")
    assert third.parent == tmp_path / "failed" and third.name.startswith("a.") and third.suffix == ".csv"
    assert third.name != "a.csv" and len(third.stem) == len("a.") + 20 and third.read_text() == "4"
    assert second.read_text() == "3"


def test_archiving_is_off_by_default_or_without_a_folder(tmp_path):
    inbox, config = _folders(tmp_path)
    path = inbox / "a.csv"
    path.write_text("1")
    assert archive.archive(_config(monitored_directory=str(inbox)), [path], "processed") == []
    assert archive.archive(_config(archive_processed_files=1), [path], "processed") == []
    assert path.exists()


@pytest.mark.parametrize("outcome, state", [("processed", "loaded"), ("failed", "not loaded")])
def test_a_full_disk_stops_archiving_and_leaves_the_file(tmp_path, monkeypatch, outcome, state):
    """Stand-in for a full archive disk: the move copies part of the file, then the disk refuses the rest."""
    inbox, config = _folders(tmp_path)
    path = inbox / "a.csv"
    path.write_text("1")

    def full_disk(source, target):
        with open(target, "w") as partial:
            partial.write("par")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "move", full_disk)
    with pytest.raises(DiskFull) as err:
        archive.archive(config, [path], outcome)
    assert str(err.value) == (
        f"The disk is full: no space was left while moving a.csv to {tmp_path / outcome} (its rows are {state} and "
        "the file stays in the monitored folder); free space on that disk."
    )
    assert path.exists() and not (tmp_path / outcome / "a.csv").exists()

    def full_before_any_byte(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "move", full_before_any_byte)
    with pytest.raises(DiskFull):  # no partial copy to remove: still the same clear error
        archive.archive(config, [path], outcome)

    def refused(source, target):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(shutil, "move", refused)
    with pytest.raises(PermissionError):
        archive.archive(config, [path], outcome)
