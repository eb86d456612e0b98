"""`python3 launch.py test` ends by naming what it skipped for want of a system part, and the install command.

PostgreSQL is started by the launcher itself when it can (tests/launcher/test_local_postgres.py);
openssh-server and Chromium are not installed by it (that changes the system, and .ci/run
does it): their skips are counted, the files named, and the apt-get line given.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from elt_project.settings import project_root
from tests.launcher.project_copy import copy_env, copy_project

SKIPPING = """
import pytest

def test_sftp_one():
    pytest.skip("openssh-server is not installed (.ci/run installs it)")

def test_sftp_two():
    pytest.skip("openssh-server is not installed (.ci/run installs it)")

def test_browser():
    pytest.skip("chromium-driver is not installed (.ci/run installs it)")

def test_that_runs():
    pass
"""


def test_the_last_lines_count_each_missing_part_with_its_files_and_install_command(tmp_path):
    (tmp_path / "test_parts.py").write_text(SKIPPING)
    env = {**os.environ, "PYTHONPATH": str(project_root())}
    env.pop("CI", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-q", "test_parts.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout
    last = run.stdout.strip().splitlines()[-3:]
    assert last == [
        "2 tests skipped for want of openssh-server (test_parts.py); "
        "install with `apt-get install openssh-server` (as root), then run the tests again.",
        "1 test skipped for want of Chromium and chromium-driver (test_parts.py); "
        "install with `apt-get install chromium chromium-driver` (as root), then run the tests again.",
        "0 tests skipped for want of PostgreSQL.",
    ]


@pytest.mark.slow
def test_launch_test_names_the_sftp_tests_it_skipped_without_sshd(tmp_path):
    if os.path.exists("/usr/sbin/sshd"):
        pytest.skip("sshd is on this machine, so the SFTP tests run instead of being skipped")
    root = copy_project(tmp_path / "app")
    run = subprocess.run(
        [sys.executable, "launch.py", "test", "-q", "-p", "no:cacheprovider", "tests/sources/test_sftp_engine.py"],
        cwd=root,
        env=copy_env(root),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = run.stdout.strip().splitlines()
    wanted = [line for line in lines if "for want of openssh-server" in line]
    assert len(wanted) == 1, run.stdout[-3000:]
    assert wanted[0].endswith(
        "skipped for want of openssh-server (tests/sources/test_sftp_engine.py); "
        "install with `apt-get install openssh-server` (as root), then run the tests again."
    )
    assert int(wanted[0].split()[0]) > 0
    assert lines.index(wanted[0]) >= len(lines) - 3  # at the very end, after pytest's summary
