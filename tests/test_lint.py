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


def _vulture(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vulture", *args],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_vulture_finds_no_dead_code():
    """Dead code (no caller anywhere in the package) fails here; framework-called names are whitelisted."""
    result = _vulture()
    assert result.returncode == 0, result.stdout + result.stderr


def test_vulture_reports_a_function_nobody_calls(tmp_path):
    module = tmp_path / "orphan.py"
    module.write_text("def used():\n    return 1\n\n\ndef orphan():\n    return used()\n\n\nprint(used())\n")
    result = _vulture(str(module), "--min-confidence", "60")
    assert result.returncode == 3 and "unused function 'orphan'" in result.stdout, result.stdout
