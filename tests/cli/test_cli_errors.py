"""The `elt` command as a user meets it: one clear line on failure, no traceback, no secret."""

from __future__ import annotations

import os
import subprocess
import sys

from elt_project.db.migrate import head_revision


def _elt(*args, env_extra=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "elt_project.cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_unreachable_database_is_one_line_without_the_password(tmp_path):
    result = _elt(
        "db", "upgrade", env_extra={"DATABASE_URL": "postgresql+psycopg://loader:hunter2@127.0.0.1:1/nowhere"}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "check DATABASE_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_upgrade_is_idempotent_on_an_empty_data_folder(tmp_path):
    env = {"ELT_DATA_DIR": str(tmp_path / "data")}
    assert _elt("db", "upgrade", env_extra=env).returncode == 0
    second = _elt("db", "upgrade", env_extra=env)
    assert second.returncode == 0 and f"revision {head_revision()}" in second.stdout
    assert (tmp_path / "data" / "warehouse.db").exists()
