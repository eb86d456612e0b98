"""DAGSTER_STORAGE_URL: the launcher puts Dagster's instance storage in a PostgreSQL database of its own.

Real PostgreSQL (a database created for the test and dropped after), real dagster-postgres.
"""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml

from elt_project.errors import ConfigurationError
from elt_project.launcher.services import plan_services
from elt_project.launcher.setup import prepare_dagster_home
from elt_project.settings import load_settings
from tests.net import free_port
from tests.reliability.pg_database import private_database


def _settings(tmp_path, storage_url: str):
    env = {"DAGSTER_STORAGE_URL": storage_url, "ELT_DATA_DIR": str(tmp_path / "data")}
    return load_settings(env=env, env_file=tmp_path / "none.env")


@pytest.fixture
def storage_url(postgres_ready):
    if not postgres_ready:
        pytest.skip("PostgreSQL not reachable (set ELT_TEST_POSTGRES_URL)")
    with private_database() as url:
        yield url


@pytest.mark.slow
def test_the_launcher_creates_dagsters_tables_in_the_storage_database_and_names_it_in_dagster_yaml(
    tmp_path, storage_url, monkeypatch
):
    settings = _settings(tmp_path, storage_url)
    home, line = prepare_dagster_home(settings)
    assert line == f"Dagster home {home}, its storage in PostgreSQL (DAGSTER_STORAGE_URL)"
    text = (home / "dagster.yaml").read_text()
    assert "postgres_url:\n      env: DAGSTER_STORAGE_URL" in text
    assert sa.make_url(storage_url).database not in text  # the URL (and its password) stays in the environment
    assert "max_concurrent_runs: 4" in text and "MonitoredRunLauncher" in text  # the rest of the template
    assert not (home / "history").exists()  # no SQLite storage next to it
    engine = sa.create_engine(sa.make_url(storage_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert {"runs", "event_logs", "jobs", "alembic_version"} <= tables
    # Dagster's processes read the URL from their environment, as the launcher hands it to them.
    monkeypatch.setenv("DAGSTER_STORAGE_URL", settings.dagster_storage())
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert instance.get_runs_count() == 0
    assert prepare_dagster_home(settings)[1] == line  # a second start finds it all in place


@pytest.mark.slow
def test_without_the_setting_the_next_start_goes_back_to_sqlite_files(tmp_path, storage_url):
    home, _line = prepare_dagster_home(_settings(tmp_path, storage_url))
    plain = load_settings(env={"ELT_DATA_DIR": str(tmp_path / "data")}, env_file=tmp_path / "none.env")
    assert prepare_dagster_home(plain)[1] == f"Dagster home {home} (instance storage created)"
    assert "storage" not in yaml.safe_load((home / "dagster.yaml").read_text())
    assert (home / "history" / "runs.db").is_file()


def test_every_service_that_opens_dagsters_instance_gets_the_storage_url_with_dagster_postgres_driver(tmp_path):
    settings = _settings(tmp_path, "postgresql://dagster:s3cret@db.example:5432/dagster")
    storage = settings.dagster_storage()
    assert storage == "postgresql+psycopg2://dagster:s3cret@db.example:5432/dagster"
    plan = plan_services(settings)
    envs = {spec.name: spec.env for spec in plan.specs}
    for name in ("Dagster webserver", "Dagster daemon", "Data Importer"):
        assert envs[name]["DAGSTER_STORAGE_URL"] == storage
    plain = load_settings(env={"ELT_DATA_DIR": str(tmp_path)}, env_file=tmp_path / "none.env")
    assert all("DAGSTER_STORAGE_URL" not in spec.env for spec in plan_services(plain).specs)


def test_an_explicit_driver_is_kept(tmp_path):
    settings = load_settings(
        env={"DAGSTER_STORAGE_URL": "postgresql+psycopg://u:p@h/d"}, env_file=tmp_path / "none.env"
    )
    assert settings.dagster_storage() == "postgresql+psycopg://u:p@h/d"


@pytest.mark.parametrize("url", ["sqlite:///dagster.db", "mysql://u:s3cret@h/d", "not a url s3cret"])
def test_a_storage_url_that_is_not_postgresql_is_refused_in_one_sentence_without_the_password(tmp_path, url):
    with pytest.raises(ConfigurationError) as caught:
        _settings(tmp_path, url).dagster_storage()
    message = str(caught.value)
    assert message.startswith("DAGSTER_STORAGE_URL must be a PostgreSQL URL") and message.count(". ") == 0
    assert "s3cret" not in message


@pytest.mark.slow
def test_a_storage_server_that_cannot_be_reached_stops_the_start_with_one_sentence(tmp_path):
    settings = _settings(tmp_path, f"postgresql://dagster:s3cret@127.0.0.1:{free_port()}/dagster")
    with pytest.raises(ConfigurationError) as caught:
        prepare_dagster_home(settings)
    assert "DAGSTER_STORAGE_URL" in str(caught.value) and "s3cret" not in str(caught.value)
