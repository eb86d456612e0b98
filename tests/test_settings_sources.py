"""Settings as pydantic-settings reads them: strict values named in errors, the home folder, the keyring, caching.

The keyring is the real ``keyring`` library with the JSON-file backend of tests/launcher/file_keyring.py
(this machine has no OS keyring), so the code goes through keyring's own interface.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from elt_project.errors import ConfigurationError
from elt_project.ingest.sources.secrets import SecretBook
from elt_project.settings import KEYRING_SERVICE, Settings, environment_names, load_settings, project_root
from tests.launcher.file_keyring import FileKeyring


def _load(tmp_path: Path, **env: str):
    return load_settings(env=env, env_file=tmp_path / "none.env")


@pytest.mark.parametrize("name", ["SENSORS_RUNNING_BY_DEFAULT", "DB_TRUST_SERVER_CERTIFICATE"])
def test_a_misspelt_boolean_is_one_sentence_naming_the_variable(tmp_path, name):
    with pytest.raises(ConfigurationError) as info:
        _load(tmp_path, **{name: "ture"})
    message = str(info.value)
    assert message.startswith(f"Setting {name} must be yes or no")
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize(
    ("raw", "expected"), [("yes", True), (" No ", False), ("1", True), ("off", False), ("TRUE", True), ("f", False)]
)
def test_booleans_take_the_usual_yes_no_words(tmp_path, raw, expected):
    assert _load(tmp_path, SENSORS_RUNNING_BY_DEFAULT=raw).sensors_running_by_default is expected


def test_choices_are_checked_and_named(tmp_path):
    with pytest.raises(ConfigurationError, match=r"ELT_SEARCH_ENGINE must be one of 'embeddings', 'openai' or 'tfidf'"):
        _load(tmp_path, ELT_SEARCH_ENGINE="bm25")
    assert _load(tmp_path, ELT_SEARCH_ENGINE=" TFIDF ").search_engine == "tfidf"
    with pytest.raises(ConfigurationError, match="RUNNER_AUTH must be one of 'accounts' or 'desktop'"):
        _load(tmp_path, RUNNER_AUTH="ldap")


def test_a_bad_secret_is_named_without_its_value(tmp_path):
    with pytest.raises(ConfigurationError) as info:
        _load(tmp_path, HUB_READER_ROLE="drop table; hunter2")
    assert "HUB_READER_ROLE" in str(info.value) and "hunter2" not in str(info.value)


def _documented_names(text: str) -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))


def test_every_variable_the_docs_and_env_example_name_is_a_setting():
    known = set(environment_names())
    example = _documented_names((project_root() / ".env.example").read_text())
    assert example and example <= known, example - known
    table_rows = re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", (project_root() / "docs/configuration.md").read_text(), re.M)
    assert len(table_rows) > 15 and set(table_rows) <= known, set(table_rows) - known


def test_every_setting_is_read_from_its_variable(tmp_path):
    """Each alias reaches its field: a value given only under the variable's name shows up on the object."""
    samples = {"bool": "no", "int": "2048", "Path": "folder"}
    for variable, field in environment_names().items():
        annotation = str(Settings.model_fields[field].annotation)
        kind = next((k for k in samples if k in annotation), None)
        raw = samples[kind] if kind else {"RUNNER_AUTH": "desktop", "ELT_SEARCH_ENGINE": "tfidf"}.get(variable, "x1")
        raw = "folder" if variable == "ELT_MONITORED_ROOTS" else raw
        default = getattr(_load(tmp_path), field)
        raw = ("no" if default else "yes") if isinstance(default, bool) else raw
        changed = getattr(_load(tmp_path, **{variable: raw}), field)
        assert changed != default, f"{variable} did not reach {field}"


def test_the_home_folder_holds_dot_env_and_the_relative_folders(tmp_path):
    home = tmp_path / "site"
    home.mkdir()
    (home / ".env").write_text(f"HUB_PORT=8600\nELT_DATA_DIR=store\nELT_HOME={tmp_path}\n")  # ELT_HOME: env only
    settings = load_settings(env={"ELT_HOME": str(home), "ELT_LOG_DIR": "journal"})
    assert settings.home == home.resolve()
    assert settings.hub_port == 8600  # read from the home's .env
    assert settings.data_dir == home.resolve() / "store"
    assert settings.log_dir == home.resolve() / "journal"
    assert settings.output_root == home.resolve()
    assert settings.warehouse_url().database == str(home.resolve() / "store" / "warehouse.db")


def test_without_elt_home_a_source_checkout_is_its_own_home(tmp_path):
    settings = _load(tmp_path)
    assert settings.home == project_root() and settings.data_dir == project_root() / "data"


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    monkeypatch.setenv("ELT_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield keyring
    keyring.set_keyring(previous)


def test_secrets_come_from_the_keyring_when_the_environment_and_dot_env_are_silent(tmp_path, file_keyring):
    file_keyring.set_password(KEYRING_SERVICE, "OPENAI_API_KEY", "sk-from-keyring")
    file_keyring.set_password(KEYRING_SERVICE, "DB_PASSWORD", "pw-from-keyring")
    settings = _load(tmp_path)
    assert settings.openai_api_key.get_secret_value() == "sk-from-keyring"
    assert settings.db_password.get_secret_value() == "pw-from-keyring"
    assert _load(tmp_path, OPENAI_API_KEY="sk-env").openai_api_key.get_secret_value() == "sk-env"
    file_keyring.set_password(KEYRING_SERVICE, "HUB_PORT", "9999")  # only secrets are read from the keyring
    assert _load(tmp_path).hub_port == 8501


def test_a_scrapers_secret_is_found_where_the_settings_look(tmp_path, file_keyring):
    file_keyring.set_password(KEYRING_SERVICE, "PORTAL_PASSWORD", "kr-portal-pw")
    (tmp_path / "site.env").write_text("PORTAL_USER=from-dot-env\n")
    settings = load_settings(env={"PORTAL_TOKEN": "from-env"}, env_file=tmp_path / "site.env")
    book = SecretBook(settings)
    assert book.get("PORTAL_PASSWORD", purpose="password") == "kr-portal-pw"
    assert book.get("PORTAL_USER", purpose="user name") == "from-dot-env"
    assert book.get("PORTAL_TOKEN", purpose="token") == "from-env"
    assert book.redact("login kr-portal-pw failed") == "login *** failed"
    with pytest.raises(ConfigurationError, match="PORTAL_OTHER"):
        book.get("PORTAL_OTHER", purpose="password")


@pytest.mark.slow
def test_a_bad_setting_stops_the_start_with_one_line_and_no_traceback(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(project_root()),
        "ELT_HOME": str(tmp_path),
        "SENSORS_RUNNING_BY_DEFAULT": "ture",
    }
    done = subprocess.run(
        [sys.executable, "-m", "elt_project.cli", "start", "--no-browser"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert errors == [
        "Error: Setting SENSORS_RUNNING_BY_DEFAULT must be yes or no (true/false, on/off, 1/0); "
        "fix it in .env or the environment (see .env.example)."
    ]


@pytest.mark.slow
def test_an_installed_package_keeps_its_settings_and_data_in_the_working_folder_or_elt_home(tmp_path):
    """A non-editable install: the package alone in a site folder, no checkout around it."""
    site, work, home = tmp_path / "site", tmp_path / "work", tmp_path / "home"
    shutil.copytree(project_root() / "elt_project", site / "elt_project", ignore=shutil.ignore_patterns("__pycache__"))
    work.mkdir()
    home.mkdir()
    (home / ".env").write_text("ELT_DATA_DIR=store\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELT_", "DATABASE_URL", "DB_"))}
    env["PYTHONPATH"] = str(site)

    def run(*argv: str, **extra: str) -> str:
        done = subprocess.run(
            [sys.executable, *argv], capture_output=True, text=True, timeout=120, cwd=work, env={**env, **extra}
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = "from elt_project.settings import load_settings as l; s = l(); print(s.home); print(s.data_dir)"
    assert run("-c", where).split() == [str(work.resolve()), str(work.resolve() / "data")]
    assert run("-c", where, ELT_HOME=str(home)).split() == [str(home.resolve()), str(home.resolve() / "store")]
    assert "at revision" in run("-m", "elt_project.cli", "db", "upgrade", ELT_HOME=str(home))
    assert (home / "store" / "warehouse.db").is_file() and not (site / "data").exists()
