"""Dagster commands that build the definitions in the calling process, run on the demo warehouse.

``dagster asset list``, ``dagster asset materialize`` and ``dagster job execute``
load ``elt_project.definitions`` without a code server; the state-backed
component must work there as it does under ``dagster dev``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.demo import domain
from elt_project.demo.install import install_demo
from elt_project.settings import project_root

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_env(engine, settings, database_url, tmp_path: Path) -> dict[str, str]:
    install_demo(engine, settings)
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "ELT_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "ELT_DATA_DIR": str(settings.data_dir),
            "ELT_TRANSFORMS_DIR": str(settings.transforms_dir),
            "DAGSTER_HOME": str(home),
            "ELT_SEARCH_INDEX_ON_LOAD": "no",  # as in tests/conftest.py
            "PYTHONPATH": os.pathsep.join([str(project_root()), env.get("PYTHONPATH", "")]),
        }
    )
    return env


def _dagster(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dagster", *args, "-m", "elt_project.definitions"],
        capture_output=True,
        text=True,
        env=env,
        cwd=project_root(),
        timeout=300,
    )


def _sales_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(domain.dest_sales)).scalar_one()


def test_asset_list_materialize_and_job_execute_build_the_definitions_in_process(engine, demo_env):
    listed = _dagster(demo_env, "asset", "list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "KeyError" not in listed.stderr
    names = set(listed.stdout.split())
    assert {"sales_transform", "inventory_transform", "utility_backup_database_objects"} <= names

    materialized = _dagster(demo_env, "asset", "materialize", "--select", "config_problems")
    assert materialized.returncode == 0, materialized.stderr[-2000:]
    assert "RUN_SUCCESS" in materialized.stdout + materialized.stderr
    assert "Multiprocess executor" not in materialized.stdout + materialized.stderr  # no per-step rebuild

    before = _sales_rows(engine)
    executed = _dagster(demo_env, "job", "execute", "-j", "Sales_job")
    assert executed.returncode == 0, executed.stderr[-2000:]
    assert "RUN_SUCCESS" in executed.stdout + executed.stderr
    assert _sales_rows(engine) > before  # the waiting sales files were really loaded
