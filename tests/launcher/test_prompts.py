"""The start-up questions, answered through a real pseudo-terminal, as a person would.

``elt start --setup-only`` runs in a copy of the project. With a terminal it asks
once for the warehouse, the database login (stored in the keyring, here a file-based
backend) and the first administrator; without one it never asks.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.launcher.project_copy import copy_env, copy_project

pytestmark = pytest.mark.slow


def drive(argv, env, cwd, answers, timeout_s=180.0):
    """Run ``argv`` on a new pseudo-terminal; type each answer once its prompt has appeared."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its controlling terminal, as in a console window
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    output, seen, pending = b"", 0, list(answers)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if pending and pending[0][0].encode() in output[seen:]:
            seen = len(output)
            os.write(fd, pending.pop(0)[1].encode() + b"\r")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return output.decode(errors="replace").replace("\r\n", "\n"), os.waitstatus_to_exitcode(status), pending


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "app", with_venv=False)


def test_embedded_warehouse_and_first_administrator_on_a_terminal(project):
    env = copy_env(project)
    argv = [sys.executable, "-m", "elt_project.cli", "start", "--setup-only", "--no-demo"]
    answers = [
        ("Use the embedded warehouse", ""),
        ("First administrator", "boss"),
        ("Password (at least 8", "short"),
        ("same password again", "short"),
        ("Password (at least 8", "s3cret-pass"),
        ("same password again", "s3cret-pass"),
    ]
    out, code, unanswered = drive(argv, env, project, answers)
    assert code == 0 and not unanswered, out
    assert "[1/5] Preparing the configuration... \n      Use the embedded warehouse" in out
    assert "\n      .env created from .env.example\n      embedded warehouse (SQLite)\n" in out
    assert "The password is too short" in out
    assert "administrator 'boss' created" in out
    assert "s3cret-pass" not in out  # passwords are never echoed
    engine = sa.create_engine(f"sqlite:///{project / 'data' / 'warehouse.db'}")
    with engine.connect() as conn:
        role = conn.execute(sa.text("SELECT role FROM elt_users WHERE username = 'boss'")).scalar()
    engine.dispose()
    assert role == "admin"
    again = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "[1/5] Preparing the configuration... using .env" in again.stdout
    assert "an administrator account exists" in again.stdout


def test_server_warehouse_login_goes_to_the_keyring_never_to_env(project, tmp_path):
    keyring_file = tmp_path / "keyring.json"
    env = copy_env(
        project,
        PYTHON_KEYRING_BACKEND="tests.launcher.file_keyring.FileKeyring",
        ELT_TEST_KEYRING_FILE=str(keyring_file),
    )
    argv = [sys.executable, "-m", "elt_project.cli", "start", "--setup-only", "--no-demo"]
    answers = [
        ("Use the embedded warehouse", "n"),
        ("Database Server", "127.0.0.1"),
        ("Database Name", "SalesDW"),
        ("Database user name for 127.0.0.1", "etl_user"),
        ("Password (not shown)", "pw$$x-secret"),
    ]
    out, code, unanswered = drive(argv, env, project, answers)
    assert not unanswered, out
    assert "database server 127.0.0.1, database SalesDW saved in .env" in out
    assert "saved in the keyring entry 'DataLaunchpad/DB_Credentials' (user etl_user)" in out
    dotenv = (project / ".env").read_text()
    assert "DB_SERVER=127.0.0.1" in dotenv and "DB_DATABASE=SalesDW" in dotenv
    assert "pw$$x-secret" not in dotenv and "pw$$x-secret" not in out
    stored = json.loads(keyring_file.read_text())["DataLaunchpad/DB_Credentials"]
    assert stored["etl_user"] == "pw$$x-secret"
    assert code != 0  # no SQL Server listens here: the warehouse step stops with one sentence
    assert "Traceback" not in out
    # The next start finds the login without asking, and never prompts without a terminal.
    again = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert "found in the keyring entry 'DataLaunchpad/DB_Credentials' (user etl_user)" in again.stdout


def test_a_keyring_that_cannot_store_shows_the_manual_steps(project):
    env = copy_env(project, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    (project / ".env").write_text("DB_SERVER=sqlprod01\nDB_DATABASE=SalesDW\n")
    argv = [sys.executable, "-m", "elt_project.cli", "start", "--setup-only", "--no-demo"]
    answers = [("Database user name for sqlprod01", "etl_user"), ("Password (not shown)", "secret-pw")]
    out, _code, unanswered = drive(argv, env, project, answers)
    assert not unanswered, out
    assert "WARNING: the keyring could not store the login" in out
    assert "Add a generic credential" in out
    assert "Internet or network address: DataLaunchpad/DB_Credentials" in out
    assert "secret-pw" not in (project / ".env").read_text()
