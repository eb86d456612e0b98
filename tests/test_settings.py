"""Settings: precedence, documented names, SQL Server URL building, and secrets kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from elt_project.errors import ConfigurationError
from elt_project.settings import load_settings


def test_default_is_embedded_sqlite_under_data(tmp_path):
    settings = load_settings(env={}, env_file=tmp_path / "none.env")
    url = settings.warehouse_url()
    assert url.drivername == "sqlite"
    assert Path(url.database).name == "warehouse.db"
    assert Path(url.database).parent.name == "data"
    assert (settings.runner_port, settings.dagster_port, settings.hub_port) == (3000, 3001, 8501)
    assert settings.bind_host == "127.0.0.1"


def test_environment_wins_over_env_file_and_arguments_win_over_both(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("RUNNER_PORT=4000\nHUB_PORT=9000\nDAGSTER_PORT=5000\n")
    settings = load_settings(env={"RUNNER_PORT": "4100"}, env_file=env_file, hub_port=9100)
    assert settings.runner_port == 4100  # environment over .env
    assert settings.dagster_port == 5000  # .env when the environment is silent
    assert settings.hub_port == 9100  # explicit argument over everything


def test_database_url_wins_over_db_server(tmp_path):
    settings = load_settings(
        env={"DATABASE_URL": "postgresql+psycopg://u:p@h/db", "DB_SERVER": "sql01", "DB_DATABASE": "x"},
        env_file=tmp_path / "none.env",
    )
    assert settings.warehouse_url().drivername == "postgresql+psycopg"


def test_db_server_builds_mssql_url_from_documented_names_empty_stand_in_keyring(tmp_path, monkeypatch):
    monkeypatch.setattr("elt_project.settings_urls.keyring_login", lambda target: (None, None))
    env_file = tmp_path / ".env"
    env_file.write_text(
        'DB_DRIVER="{ODBC Driver 17 for SQL Server}"\nDB_SERVER="sql01"\nDB_DATABASE="dagster_elt_framework"\n'
        'DB_USERNAME="loader"\nDB_PASSWORD="s3cr3t-pw"\nDB_TRUST_SERVER_CERTIFICATE="yes"\n'
    )
    settings = load_settings(env={}, env_file=env_file)
    url = settings.warehouse_url()
    assert url.drivername == "mssql+pyodbc"
    assert (url.host, url.database, url.username, url.password) == (
        "sql01",
        "dagster_elt_framework",
        "loader",
        "s3cr3t-pw",
    )
    assert url.query["driver"] == "ODBC Driver 17 for SQL Server"
    assert url.query["TrustServerCertificate"] == "yes"
    assert "s3cr3t-pw" not in repr(settings)
    assert "s3cr3t-pw" not in settings.describe_warehouse()


def test_keyring_entry_wins_over_env_credentials_stand_in_keyring(tmp_path, monkeypatch):
    seen = {}

    def fake_keyring(target):  # the OS keyring has no backend on this machine
        seen["target"] = target
        return "kr_user", "kr_pass"

    monkeypatch.setattr("elt_project.settings_urls.keyring_login", fake_keyring)
    settings = load_settings(
        env={"DB_SERVER": "sql01", "DB_DATABASE": "db", "DB_USERNAME": "env_user", "DB_PASSWORD": "env_pass"},
        env_file=tmp_path / "none.env",
    )
    url = settings.warehouse_url()
    assert (url.username, url.password) == ("kr_user", "kr_pass")
    assert seen["target"] == "DataLaunchpad/DB_Credentials"


def test_missing_credentials_is_one_clear_sentence_empty_stand_in_keyring(tmp_path, monkeypatch):
    monkeypatch.setattr("elt_project.settings_urls.keyring_login", lambda target: (None, None))
    settings = load_settings(env={"DB_SERVER": "sql01", "DB_DATABASE": "db"}, env_file=tmp_path / "none.env")
    with pytest.raises(ConfigurationError, match="CREDENTIAL_TARGET.*DB_USERNAME and DB_PASSWORD"):
        settings.warehouse_url()


def test_bad_port_names_the_setting(tmp_path):
    with pytest.raises(ConfigurationError, match="RUNNER_PORT"):
        load_settings(env={"RUNNER_PORT": "three thousand"}, env_file=tmp_path / "none.env")


def test_invalid_database_url_does_not_echo_the_secret(tmp_path):
    settings = load_settings(env={"DATABASE_URL": "not a url with hunter2"}, env_file=tmp_path / "none.env")
    with pytest.raises(ConfigurationError) as info:
        settings.warehouse_url()
    assert "hunter2" not in str(info.value)
    assert info.value.__cause__ is None


def test_openai_key_is_secret(tmp_path):
    settings = load_settings(env={"OPENAI_API_KEY": "sk-abc123"}, env_file=tmp_path / "none.env")
    assert "sk-abc123" not in repr(settings)
    assert settings.openai_api_key.get_secret_value() == "sk-abc123"


def test_env_example_documents_every_setting():
    from elt_project.settings import environment_names, project_root

    text = (project_root() / ".env.example").read_text()
    for name in environment_names():
        line = next((line for line in text.splitlines() if line.lstrip("# ").startswith(f"{name}=")), None)
        assert line is not None, f"{name} missing from .env.example"
        index = text.splitlines().index(line)
        assert text.splitlines()[index - 1].startswith("# "), f"{name} has no comment line above it"


def test_an_administrators_dagster_home_is_honoured(tmp_path):
    from elt_project.settings import load_settings

    home = tmp_path / "admin_home"
    chosen = load_settings(env={"DAGSTER_HOME": str(home)}, env_file=tmp_path / "none.env", data_dir=str(tmp_path))
    default = load_settings(env={}, env_file=tmp_path / "none.env", data_dir=str(tmp_path))
    assert chosen.dagster_home == home
    assert default.dagster_home == tmp_path / "dagster_home"


def test_an_administrators_dagster_yaml_is_kept(tmp_path):
    from elt_project.launcher.setup import prepare_dagster_home
    from elt_project.settings import load_settings

    home = tmp_path / "admin_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    settings = load_settings(env={"DAGSTER_HOME": str(home)}, env_file=tmp_path / "none.env", data_dir=str(tmp_path))
    used, line = prepare_dagster_home(settings)
    assert used == home and "its own dagster.yaml" in line
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    fresh = load_settings(env={}, env_file=tmp_path / "none.env", data_dir=str(tmp_path))
    used, _line = prepare_dagster_home(fresh)
    assert "nux:\n  enabled: false" in (used / "dagster.yaml").read_text()
