"""The Dagster home: a new one gets its instance storage before the webserver and daemon start together."""

from __future__ import annotations

import sqlite3

from elt_project.launcher.setup import create_dagster_storage, prepare_dagster_home
from elt_project.settings import load_settings


def test_a_new_home_gets_its_storage_once_with_one_schema_version(tmp_path):
    settings = load_settings(env={"ELT_DATA_DIR": str(tmp_path / "data")}, env_file=tmp_path / "no.env")
    home, line = prepare_dagster_home(settings)
    assert line.endswith("(instance storage created)")
    for database in ("history/runs.db", "history/runs/index.db", "schedules/schedules.db"):
        assert (home / database).is_file()
    with sqlite3.connect(home / "history" / "runs.db") as db:
        assert len(db.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
    assert prepare_dagster_home(settings)[1] == f"Dagster home {home}"  # the second start finds it


def test_a_home_with_storage_of_its_own_is_left_to_it(tmp_path):
    (tmp_path / "dagster.yaml").write_text("storage:\n  postgres:\n    postgres_url: postgresql://x@127.0.0.1/none\n")
    assert create_dagster_storage(tmp_path) is False
    assert not (tmp_path / "history").exists()


def test_a_home_with_its_own_dagster_yaml_still_gets_its_storage_before_the_services_start(tmp_path):
    """DAGSTER_HOME chosen by an administrator, dagster.yaml in it, no storage yet (its first start)."""
    home = tmp_path / "admin_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    settings = load_settings(env={"DAGSTER_HOME": str(home)}, env_file=tmp_path / "none.env", data_dir=str(tmp_path))
    used, line = prepare_dagster_home(settings)
    assert line == f"DAGSTER_HOME {home} (its own dagster.yaml) (instance storage created)"
    with sqlite3.connect(home / "schedules" / "schedules.db") as db:
        assert len(db.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    assert prepare_dagster_home(settings)[1] == f"DAGSTER_HOME {home} (its own dagster.yaml)"
