"""One command to set up and start the product, or to run its tests.

    python3 launch.py          # create .venv, install, prepare the warehouse, start every service
    python3 launch.py test     # create .venv, install with test extras, run the whole test suite
    python3 launch.py test -k sensors   # extra arguments go to pytest

Only the standard library is used here, because this runs before anything is installed.
The install step is skipped when ``pyproject.toml`` has not changed since the last one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def ensure_venv() -> Path:
    if not venv_python().exists():
        step(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    return venv_python()


def ensure_installed(python: Path, extras: str) -> None:
    """``pip install -e .[extras]`` unless the same pyproject was installed with the same extras."""
    stamp = VENV / ".elt-install-stamp"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    target = f".[{extras}]" if extras else "."
    step(f"installing the project and its dependencies ({target}); the first time takes a few minutes")
    subprocess.run([str(python), "-m", "pip", "install", "--upgrade", "--quiet", "pip"], check=True, cwd=ROOT)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def start_local_postgres() -> None:
    """Best effort: start the machine's PostgreSQL 15 for the PostgreSQL leg of the tests.

    Only when nothing else was configured (ELT_TEST_POSTGRES_URL) and the Debian
    cluster tools are present; without a server that leg is skipped locally.
    """
    if os.environ.get("ELT_TEST_POSTGRES_URL") or not shutil.which("pg_ctlcluster"):
        return
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return
    subprocess.run(["pg_ctlcluster", "15", "main", "start"], capture_output=True)
    sql = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'elt') THEN "
        "CREATE ROLE elt LOGIN PASSWORD 'elt' SUPERUSER; END IF; END $$;"
    )
    subprocess.run(["su", "postgres", "-c", f'psql -q -c "{sql}"'], capture_output=True)
    exists = subprocess.run(
        ["su", "postgres", "-c", "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'elt_test'\""],
        capture_output=True,
        text=True,
    )
    if exists.stdout.strip() != "1":
        subprocess.run(["su", "postgres", "-c", "createdb -O elt elt_test"], capture_output=True)


def run_child(argv: list[str]) -> int:
    """Run ``argv`` to completion, leaving Ctrl+C to it.

    The terminal delivers Ctrl+C to the child as well; it stops its services
    gracefully. Were this process to react too, ``subprocess.run`` would kill the
    child a quarter of a second later and orphan the services it started.
    """
    child = subprocess.Popen(argv, cwd=ROOT)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        print(f"Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer is needed; this is {sys.version.split()[0]}.")
        return 1
    os.chdir(ROOT)
    python = ensure_venv()
    ensure_installed(python, "test")  # test extras are small; one install serves both commands
    if argv[:1] == ["test"]:
        start_local_postgres()
        step("running the test suite")
        return run_child([str(python), "-m", "pytest", *argv[1:]])
    step("starting the services (Ctrl+C stops them)")
    return run_child([str(python), "-m", "elt_project.cli", "start", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
