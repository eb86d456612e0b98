"""launch.py leaves Ctrl+C to the command it runs, so services are stopped gracefully, not orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from elt_project.settings import project_root

GRACEFUL_CHILD = """
import signal, sys, time
def stop(*_):
    time.sleep(1.0)  # a supervisor needs a moment to stop its services
    print("stopped gracefully", flush=True)
    sys.exit(0)
signal.signal(signal.SIGINT, stop)
print("ready", flush=True)
while True:
    time.sleep(0.1)
"""


def test_ctrl_c_reaches_the_child_and_the_launcher_waits_for_it(tmp_path):
    wrapper = (
        "import sys; sys.path.insert(0, sys.argv[1]); import launch; "
        "sys.exit(launch.run_child([sys.executable, '-c', sys.argv[2]]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", wrapper, str(project_root()), GRACEFUL_CHILD],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl+C: the whole foreground group
    out, _ = process.communicate(timeout=20)
    assert "stopped gracefully" in out
    assert process.returncode == 0


def test_launch_and_its_bootstrap_modules_need_only_the_standard_library():
    """They run before anything is installed: no site-packages (-S), no user paths (-I)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import launch; "
        "import elt_project.launcher.selfupdate, elt_project.launcher.local_postgres, "
        "elt_project.launcher.installer; print('ok')"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(project_root())], capture_output=True, text=True, timeout=60
    )
    assert run.stdout.strip() == "ok", run.stderr


def test_too_old_a_python_gets_the_download_hint(monkeypatch, capsys):
    sys.path.insert(0, str(project_root()))
    try:
        import launch
    finally:
        sys.path.remove(str(project_root()))
    monkeypatch.setattr(launch, "MIN_PYTHON", (99, 0))
    assert launch.check_python(1, 8) is False
    out = capsys.readouterr().out
    assert out.startswith("[1/8] Checking for Python... Python ")
    assert "is too old" in out and "python.org/downloads" in out and "Add Python to PATH" in out
