"""The code base stays ruff-clean (rules in pyproject.toml), so style drift fails CI, not review."""

from __future__ import annotations

import subprocess
import sys

from elt_project.settings import project_root


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
