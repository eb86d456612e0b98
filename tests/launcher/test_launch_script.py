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


def _launch(root, *args: str, **env: str) -> subprocess.CompletedProcess:
    from tests.launcher.project_copy import copy_env

    return subprocess.run(
        [sys.executable, "launch.py", *args],
        cwd=root,
        env=copy_env(root, **env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_launch_elt_runs_the_venv_elt_with_its_arguments_and_returns_its_exit_code(tmp_path):
    """`python3 launch.py elt ...` works from the project folder with nothing activated or on PATH."""
    from tests.launcher.project_copy import copy_project

    root = copy_project(tmp_path / "app")
    helped = _launch(root, "elt", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "Usage: elt [OPTIONS] COMMAND [ARGS]" in helped.stdout
    assert "stop" in helped.stdout and "[1/8]" not in helped.stdout  # the command alone, no start steps
    wrong = _launch(root, "elt", "no-such-command")
    assert wrong.returncode == 2
    assert "No such command 'no-such-command'" in wrong.stderr


def test_a_failing_install_shows_one_line_and_the_end_of_its_log(tmp_path):
    """pip's and setuptools' output goes to logs/install.log; the console gets the step and, on failure, the tail.

    The copy's pyproject changed (so the launcher installs) and pip may not use an
    index (PIP_NO_INDEX): it cannot fetch even the build backend, so the install fails
    for real and at once, without the network.
    """
    from tests.launcher.project_copy import copy_project

    root = copy_project(tmp_path / "app")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('"dagster==', '"elt-impossible-requirement==0.0.0",\n    "dagster==', 1)
    )
    run = _launch(root, "--no-update", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    step = next(line for line in lines if line.startswith("[3/8] Installing packages..."))
    assert step == (
        "[3/8] Installing packages... installing (the first time takes a few minutes; details in logs/install.log)"
        "... failed. The last lines of logs/install.log:"
    )
    log = (root / "logs" / "install.log").read_text()
    tail = lines[lines.index(step) + 1 : -1]
    assert tail and all(line.startswith("    ") for line in tail)
    assert [line[4:] for line in tail] == log.splitlines()[-len(tail) :]
    assert lines[-1].startswith("Installing the packages failed; read logs/install.log, fix the cause")
    assert "$ " in log and "-m pip install -e .[test]" in log  # the full output is in the log
    assert "[4/8]" not in run.stdout and run.stderr == ""


COUNTING_CHILD = """
import signal, time
# Blocked and taken one by one, so two deliveries are two (a Python handler may merge them).
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
print("ready", flush=True)
senders = [signal.sigwaitinfo({signal.SIGINT}).si_pid]
deadline = time.monotonic() + 1.5  # stopping takes a moment; a second Ctrl+C would arrive now
while (info := signal.sigtimedwait({signal.SIGINT}, max(0.0, deadline - time.monotonic()))) is not None:
    senders.append(info.si_pid)
print(f"interrupts: {len(senders)}", flush=True)
"""


def test_ctrl_c_typed_in_the_terminal_reaches_the_child_once(tmp_path):
    """The terminal signals the whole foreground group; launch.py must not send the child a second one."""
    import pty
    import select

    wrapper = (
        "import sys; sys.path.insert(0, sys.argv[1]); import launch; "
        "sys.exit(launch.run_child([sys.executable, '-c', sys.argv[2]]))"
    )
    pid, terminal = pty.fork()  # the child leads a session whose controlling terminal is this pty
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-c", wrapper, str(project_root()), COUNTING_CHILD])
    output = b""
    try:
        while b"ready" not in output:
            output += os.read(terminal, 1024)
        os.write(terminal, b"\x03")  # Ctrl+C, as typed
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if not select.select([terminal], [], [], 0.5)[0]:
                continue
            try:
                chunk = os.read(terminal, 1024)
            except OSError:  # the terminal closed: everything on it has exited
                break
            if not chunk:
                break
            output += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    assert b"interrupts: 1" in output, output
    assert os.waitstatus_to_exitcode(status) == 0
