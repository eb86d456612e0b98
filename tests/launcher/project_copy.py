"""A throw-away copy of the project, as a user's folder after a first install.

The copy gets its own ``.venv`` whose packages are this test environment's (a ``.pth``
file adds them), its ``elt`` command, plus the install stamp ``launch.py`` writes after a successful install:
the copy is in the state of a second start, where nothing needs installing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from elt_project.settings import project_root

IGNORED = (".git", ".venv", "data", "logs", "__pycache__", ".env", "*.egg-info", ".pytest_cache", "bench", "dist")


def copy_project(target: Path, *, with_venv: bool = True) -> Path:
    shutil.copytree(project_root(), target, ignore=shutil.ignore_patterns(*IGNORED))
    if with_venv:
        venv.EnvBuilder(with_pip=False).create(target / ".venv")
        site_dir = next((target / ".venv").glob("lib/python*/site-packages"))
        shared = sysconfig.get_path("purelib")
        (site_dir / "_shared_test_env.pth").write_text(f"import site; site.addsitedir({shared!r})\n")
        elt = target / ".venv" / "bin" / "elt"  # the console script pip would write for [project.scripts]
        elt.write_text(f"#!{target / '.venv' / 'bin' / 'python'}\nfrom elt_project.cli import main\nmain()\n")
        elt.chmod(0o755)
        stamp = "import sys, launch; launch.install_stamp().write_text(launch.install_digest('test'))"
        subprocess.run([sys.executable, "-c", stamp], cwd=target, check=True)
    return target


def copy_env(root: Path, **extra: str) -> dict[str, str]:
    """An environment for a process working in the copy: no settings leak in from this shell."""
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DB_", "DATABASE_URL", "DAGSTER_", "ELT_", "PYTEST_", "RUNNER_", "HUB_", "BIND_"))
    }
    env["PYTHONPATH"] = str(root)
    env["ELT_SEARCH_INDEX_ON_LOAD"] = "no"  # as in tests/conftest.py: embedding every landed table is search's test
    env.update(extra)
    return env
