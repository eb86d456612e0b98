"""One command to set up and start the product, or to run its tests.

    python3 launch.py                # steps 1-8: Python, updates, packages, then elt start
    python3 launch.py --no-browser   # the same without opening a browser (servers, tests)
    python3 launch.py --dev          # open the Dagster UI instead of the Data Importer page
    python3 launch.py --no-update    # do not look for a newer version (git)
    python3 launch.py test           # install with test extras, start the local PostgreSQL, run pytest
    python3 launch.py test -k sensors   # extra arguments go to pytest
    python3 launch.py stop           # stop the product started from another window
    python3 launch.py elt user list  # any `elt` command, without activating .venv (Windows: py launch.py elt ...)

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


def venv_elt() -> Path:
    """The ``elt`` command pip installed into ``.venv`` (not on PATH unless .venv is activated)."""
    return VENV / ("Scripts/elt.exe" if os.name == "nt" else "bin/elt")


def install_log() -> Path:
    """Where the install steps log: the settings' log folder, read by hand (the packages may not be installed yet).

    Mirrors ``Settings.log_dir``: ``ELT_LOG_DIR`` (a relative one taken from the home folder), else
    ``logs`` in the home folder (``ELT_HOME``, else this checkout).
    """
    home = Path(os.environ.get("ELT_HOME") or ROOT).expanduser()
    return home / Path(os.environ.get("ELT_LOG_DIR") or "logs").expanduser() / "install.log"


def begin(number: int, total: int, title: str) -> None:
    print(f"[{number}/{total}] {title}... ", end="", flush=True)


def install_stamp() -> Path:
    return VENV / ".elt-install-stamp"


def install_digest(extras: str) -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()


def is_installed(extras: str = "test") -> bool:
    stamp = install_stamp()
    return venv_python().exists() and stamp.exists() and stamp.read_text().strip() == install_digest(extras)


class InstallFailed(Exception):
    """pip failed; the message holds the lines to show and the log to read."""


def ensure_installed(extras: str) -> str:
    """Create ``.venv`` once; ``pip install -e .[extras]`` unless this pyproject is installed already.

    pip's and setuptools' output (progress, warnings, the editable-install notice) goes
    to ``logs/install.log`` only: the console keeps its numbered steps. When the install
    fails, :class:`InstallFailed` carries the end of that log.
    """
    if not venv_python().exists():
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    if is_installed(extras):
        return "up to date"
    log_path = install_log()
    print(f"installing (the first time takes a few minutes; details in {shown(log_path)})... ", end="", flush=True)
    python = str(venv_python())
    target = f".[{extras}]" if extras else "."
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8", errors="replace") as log:
        for argv in (
            [python, "-m", "pip", "install", "--upgrade", "pip"],
            [python, "-m", "pip", "install", "-e", target],
        ):
            log.write(f"$ {' '.join(argv)}\n")
            log.flush()
            if subprocess.run(  # noqa: S603 — argument list from sys.executable and pip, no shell
                argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            ).returncode:
                raise InstallFailed(failed_install_message(log_path))
    install_stamp().write_text(install_digest(extras))
    return "installed"


def failed_install_message(log_path: Path, lines: int = 20) -> str:
    tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "\n".join(
        [
            f"failed. The last lines of {shown(log_path)}:",
            *(f"    {line}" for line in tail),
            f"Installing the packages failed; read {shown(log_path)}, fix the cause (often the network "
            "or a package that has no build for this Python) and start again.",
        ]
    )


def shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def install_step(extras: str) -> bool:
    """Run the install for a numbered step; print its one-line result, or the failure and the log's end."""
    try:
        print(ensure_installed(extras), flush=True)
    except InstallFailed as failed:
        print(failed, flush=True)
        return False
    return True


#: Signals that mean "stop": Ctrl+C, `kill`, a closed terminal; SIGBREAK is Windows' Ctrl+Break and console close.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK") if hasattr(signal, name)
)


def run_child(argv: list[str], env: dict[str, str] | None = None) -> int:
    """Run ``argv`` to completion, passing every stop signal on to it, and wait for it to end.

    A stop signal may reach only this process (``kill <pid>``, a service manager), or
    reach the child as well (Ctrl+C and a closing terminal go to the whole foreground
    group). Either way the child gets it once, stops its services gracefully, and this
    process exits after it: exiting first would orphan the services and keep their ports.
    """
    child = subprocess.Popen(argv, cwd=ROOT, env=env)  # noqa: S603 — argument list from sys.executable and pip, no shell
    if os.name == "nt":
        return _wait_windows(child)
    return _wait_forwarding(child)


def _wait_forwarding(child: subprocess.Popen) -> int:
    """Wait for ``child``, forwarding the stop signals another process sent to this one.

    The signals are blocked and taken with ``sigtimedwait``, which says who sent each:
    one the terminal sent (no sender pid) reached the child too and is not sent again, so
    a child such as pytest never sees a second Ctrl+C while it is cleaning up.
    """
    wanted = set(STOP_SIGNALS)
    signal.pthread_sigmask(signal.SIG_BLOCK, wanted)  # after the start: the child keeps them unblocked
    try:
        while child.poll() is None:
            info = signal.sigtimedwait(wanted, 0.5)
            if info is not None and info.si_pid != 0 and child.poll() is None:
                child.send_signal(info.si_signo)
        return child.returncode
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, wanted)


def _wait_windows(child: subprocess.Popen) -> int:
    """Windows: the console delivers Ctrl+C, Ctrl+Break and its close event to every process
    attached to it, the child included, so this process only keeps waiting (written for
    Windows, not exercised by the tests, which run on Linux)."""
    previous = {}
    for sig in STOP_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, lambda *_: None)
        except (OSError, ValueError):
            continue
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_elt(args: list[str]) -> int:
    """``python3 launch.py elt ...``: the ``elt`` of ``.venv`` with these arguments; its exit status.

    ``elt`` is installed into ``.venv`` only, and is on PATH only once .venv is activated;
    this spelling works from the project folder on every system without that step.
    """
    if venv_elt().exists():
        return run_child([str(venv_elt()), *args])
    if venv_python().exists():  # the same command, should the script be missing
        return run_child([str(venv_python()), "-m", "elt_project.cli", *args])
    print("The product is not installed yet: run `python3 launch.py` once, then try again.", file=sys.stderr)
    return 1


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
    if not install_step("test"):
        return 1
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
    if argv[:1] == ["elt"]:
        return run_elt(argv[1:])
    if argv[:1] == ["stop"]:
        return run_elt(["stop", *argv[1:]])
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
    if not install_step("test"):  # test extras are small; one install serves both commands
        return 1
    # elt start itself, through its light entry point (see elt_project/launcher/__main__.py).
    return run_child([str(venv_python()), "-m", "elt_project.launcher", "--step", f"4/{TOTAL_STEPS}", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
