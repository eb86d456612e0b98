"""The map in DESIGN.md holds: the shells sit over the logic packages, and nothing imports in a circle.

The contracts live in pyproject.toml (``[tool.importlinter]``) and are checked by import-linter,
which reads the imports without running them. The second test breaks a copy of the package on
purpose, once per contract kind, to show the check can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    script = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", script, "--no-cache", "--no-logo", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_cycle_and_a_shell_import_break_the_contracts(tmp_path):
    shutil.copytree(ROOT / "elt_project", tmp_path / "elt_project", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "elt_project" / "ingest" / "reader.py").open("a") as handle:
        handle.write("\nfrom elt_project.ingest import schema_sample  # noqa: E402\n")
    with (tmp_path / "elt_project" / "pipeline" / "staging.py").open("a") as handle:
        handle.write("\nimport dagster  # noqa: E402\nfrom elt_project.runner import app  # noqa: E402\n")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    report = result.stdout.replace("\n", " ")
    assert "Shells over logic" in report and "elt_project.pipeline.staging -> elt_project.runner" in report
    assert "know nothing of Dagster, Flask or Streamlit BROKEN" in report
    assert "No cycles are allowed in elt_project.ingest" in report
