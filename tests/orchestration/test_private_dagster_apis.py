"""Guards for this project's few private Dagster names; they fail on an upgrade that moves them.

Private uses, each confined to one place: the definitions-load context
(orchestration/load_context.py) and the run launcher's health answer (orchestration/run_launcher.py).
When one of these fails after an upgrade, look for a public replacement before moving the pin.
"""

from __future__ import annotations

import tomllib

import dagster as dg
from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus

from elt_project.orchestration import load_context
from elt_project.settings import project_root


def test_dagster_is_the_version_pyproject_pins():
    dependencies = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"dagster=={dg.__version__}" in dependencies, "re-check the private Dagster uses before moving the pin"


def test_the_installed_load_context_is_the_one_every_lookup_returns():
    saved = DefinitionsLoadContext._instance
    try:
        DefinitionsLoadContext._instance = None
        assert not DefinitionsLoadContext.is_set()
        load_context.ensure_load_context()
        assert DefinitionsLoadContext.is_set()
        assert DefinitionsLoadContext.get() is DefinitionsLoadContext.get()
    finally:
        DefinitionsLoadContext._instance = saved


def test_the_health_answer_of_a_run_launcher_has_the_shape_run_monitoring_reads():
    answer = CheckRunHealthResult(WorkerStatus.FAILED, "gone")
    assert answer.status is WorkerStatus.FAILED and answer.msg == "gone"
    assert {"RUNNING", "FAILED"} <= {status.name for status in WorkerStatus}
