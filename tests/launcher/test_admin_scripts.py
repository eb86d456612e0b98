"""The root helper scripts, run as an administrator would: real warehouse, real keyring backend."""

from __future__ import annotations

import json
import subprocess
import sys

import sqlalchemy as sa

from elt_project.db.migrate import upgrade
from elt_project.settings import project_root
from tests.config_rows import insert_config
from tests.launcher.project_copy import copy_env


def _run(script: str, env: dict, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(project_root() / script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_create_dirs_makes_the_folders_of_active_imports_only(tmp_path):
    db = tmp_path / "wh.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    upgrade(engine)
    for name, active in (("a", 1), ("b", 0)):
        insert_config(engine, pipeline_name="P", import_name=name, monitored_directory=str(tmp_path / "in" / name),
                      staging_table="stg_x", destination_table="dest_x", is_active=active)  # fmt: skip
    engine.dispose()
    env = copy_env(project_root(), DATABASE_URL=f"sqlite:///{db}")
    first = _run("create_dirs.py", env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"created {tmp_path / 'in' / 'a'}" in first.stdout
    assert (tmp_path / "in" / "a").is_dir() and not (tmp_path / "in" / "b").exists()
    again = _run("create_dirs.py", env, tmp_path)
    assert again.stdout.strip() == "every monitored folder exists"


def test_get_credentials_reads_the_keyring_entry(tmp_path):
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({"Team/DB": {"@username": "etl_user", "etl_user": "pw"}}))
    env = copy_env(
        project_root(),
        DB_SERVER="sqlprod01",
        DB_DATABASE="SalesDW",
        CREDENTIAL_TARGET="Team/DB",
        PYTHON_KEYRING_BACKEND="tests.launcher.file_keyring.FileKeyring",
        ELT_TEST_KEYRING_FILE=str(keyring_file),
    )
    found = _run("get_credentials.py", env, tmp_path)
    assert found.stdout.strip() == "found in the keyring entry 'Team/DB' (user etl_user)"
    keyring_file.write_text("{}")
    missing = _run("get_credentials.py", env, tmp_path)
    assert "WARNING: no login in the keyring entry 'Team/DB'" in missing.stdout
    assert "Internet or network address: Team/DB" in missing.stdout
