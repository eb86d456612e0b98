"""One command to set up and start the product, or to run its tests.

    python3 launch.py                # steps 1-8: Python, updates, packages, then `elt start`
    python3 launch.py --no-browser   # the same without opening a browser (servers, tests)
    python3 launch.py --dev          # open the Dagster UI instead of the Data Importer page
    python3 launch.py --no-update    # do not look for a newer version (git)
    python3 launch.py test           # install with test extras, start the local PostgreSQL, run pytest
    python3 launch.py test -k sensors   # extra arguments go to pytest

Only the standard library is used here (and in the two launcher modules it imports),
because this runs before anything is installed. Steps 1 to 3 happen here; the rest is
``elt start`` in the virtual environment, which continues the step numbering.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 11)
TOTAL_STEPS = 8
PYTHON_HINT = (
    "Install Python {0}.{1} or newer from https://www.python.org/downloads/ and, on the installer's "
    "first screen, tick 'Add Python to PATH'; then start again."
)


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def begin(number: int, total: int, title: str) -> None:
    print(f"[{number}/{total}] {title}... ", end="", flush=True)


def install_stamp() -> Path:
    return VENV / ".elt-install-stamp"


def install_digest(extras: str) -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()


def is_installed(extras: str = "test") -> bool:
    stamp = install_stamp()
    return venv_python().exists() and stamp.exists() and stamp.read_text().strip() == install_digest(extras)


def ensure_installed(extras: str) -> str:
    """Create ``.venv`` once; ``pip install -e .[extras]`` unless this pyproject is installed already.

    On a terminal pip shows its own progress; elsewhere it stays quiet.
    """
    if not venv_python().exists():
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    if is_installed(extras):
        return "up to date"
    print("installing; the first time takes a few minutes", flush=True)
    quiet = [] if sys.stdout.isatty() else ["--quiet"]
    python = str(venv_python())
    target = f".[{extras}]" if extras else "."
    subprocess.run([python, "-m", "pip", "install", "--upgrade", *quiet, "pip"], check=True, cwd=ROOT)
    subprocess.run([python, "-m", "pip", "install", *quiet, "-e", target], check=True, cwd=ROOT)
    install_stamp().write_text(install_digest(extras))
    return "installed"


def run_child(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Run ``argv`` to completion, leaving Ctrl+C to it.

    The terminal delivers Ctrl+C to the child as well; it stops its services
    gracefully. Were this process to react too, ``subprocess.run`` would kill the
    child a quarter of a second later and orphan the services it started.
    """
    child = subprocess.Popen(argv, cwd=ROOT, env=env)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def check_python(number: int, total: int) -> bool:
    begin(number, total, "Checking for Python")
    if sys.version_info < MIN_PYTHON:
        print(f"Python {sys.version.split()[0]} is too old.")
        print(PYTHON_HINT.format(*MIN_PYTHON))
        return False
    print(f"Python {sys.version.split()[0]}")
    return True


def update(argv: list[str]) -> int | None:
    """Step 2; returns an exit status when the start must stop or was handed to a newer launcher."""
    from elt_project.launcher.selfupdate import OFFLINE, UPDATED, self_update

    begin(2, TOTAL_STEPS, "Checking for updates")
    launcher_before = (ROOT / "launch.py").read_bytes()
    result = self_update(ROOT)
    print(result.message, flush=True)
    if result.status == OFFLINE and not is_installed():
        print(
            "Cannot run in offline mode: the first start must download the packages. "
            "Connect to the network and start again."
        )
        return 1
    if result.status == UPDATED and (ROOT / "launch.py").read_bytes() != launcher_before:
        print("      the launcher itself was updated; continuing with the new one", flush=True)
        return run_child([sys.executable, str(ROOT / "launch.py"), "--no-update", *argv])
    return None


def run_tests(pytest_args: list[str]) -> int:
    from elt_project.launcher.local_postgres import prepare_for_tests

    total = 4
    if not check_python(1, total):
        return 1
    begin(2, total, "Installing packages")
    print(ensure_installed("test"), flush=True)
    begin(3, total, "Preparing PostgreSQL for the tests")
    env = dict(os.environ)
    print(prepare_for_tests(env), flush=True)
    begin(4, total, "Running the test suite")
    print(flush=True)
    return run_child([str(venv_python()), "-m", "pytest", *pytest_args], env=env)


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    if argv[:1] == ["test"]:
        return run_tests(argv[1:])
    if not check_python(1, TOTAL_STEPS):
        return 1
    if "--no-update" in argv:
        argv = [arg for arg in argv if arg != "--no-update"]
        begin(2, TOTAL_STEPS, "Checking for updates")
        print("skipped (--no-update)", flush=True)
    else:
        stopped = update(argv)
        if stopped is not None:
            return stopped
    begin(3, TOTAL_STEPS, "Installing packages")
    print(ensure_installed("test"), flush=True)  # test extras are small; one install serves both commands
    # `elt start` itself, through its light entry point (see elt_project/launcher/__main__.py).
    return run_child([str(venv_python()), "-m", "elt_project.launcher", "--step", f"4/{TOTAL_STEPS}", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
