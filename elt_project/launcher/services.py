"""The services ``elt start`` runs, each a declared entry: name, argument list, port, health check, log.

Adding a service means adding one entry here. A service whose entry file is not part
of this installation is left out with a line saying so, rather than failing the start.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from elt_project.launcher.supervisor import ServiceSpec
from elt_project.settings import Settings, project_root


@dataclass(frozen=True)
class ServicePlan:
    """The declared services: those that can start, and those left out with the reason."""

    specs: list[ServiceSpec]
    missing: list[tuple[str, str]]

    def find(self, name: str) -> ServiceSpec | None:
        return next((spec for spec in self.specs if spec.name == name), None)


DAGSTER = "Dagster"
DATA_IMPORTER = "Data Importer"
HUB = "Analytics Hub"


def dagster_spec(settings: Settings, root: Path) -> ServiceSpec:
    """Webserver, daemon and one shared code server, as ``dagster dev`` runs them.

    The working folder stays the project, because config rows may name monitored folders
    relative to it; Dagster's note that the project's ``dagster.yaml`` template is not its
    instance config therefore appears in the Dagster log (the template is copied into the home).
    """
    return ServiceSpec(
        name=DAGSTER,
        argv=[
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(root / "workspace.yaml"),
            "-h",
            settings.bind_host,
            "-p",
            str(settings.dagster_port),
        ],
        url=settings.service_url(settings.dagster_port),
        health_path="/server_info",
        env={"DAGSTER_HOME": str(settings.dagster_home), "PYTHONPATH": _pythonpath(root)},
        cwd=root,
        port_setting="DAGSTER_PORT",
        log_file=settings.log_dir / "dagster.log",
    )


def data_importer_spec(settings: Settings, root: Path) -> ServiceSpec:
    """The Data Importer page: ``simple_ui.py`` serves the Flask app through waitress."""
    return ServiceSpec(
        name=DATA_IMPORTER,
        argv=[sys.executable, str(root / "simple_ui.py")],
        url=settings.service_url(settings.runner_port),
        health_path="/healthz",
        env={
            "BIND_HOST": settings.bind_host,
            "RUNNER_PORT": str(settings.runner_port),
            "DAGSTER_HOME": str(settings.dagster_home),
            "PYTHONPATH": _pythonpath(root),
        },
        cwd=root,
        port_setting="RUNNER_PORT",
        log_file=settings.log_dir / "data_importer.log",
    )


def hub_spec(settings: Settings, root: Path) -> ServiceSpec:
    """The Analytics Hub: ``streamlit run analytics_ui.py``, headless, no usage statistics."""
    return ServiceSpec(
        name=HUB,
        argv=[
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(root / "analytics_ui.py"),
            "--server.address",
            settings.bind_host,
            "--server.port",
            str(settings.hub_port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        url=settings.service_url(settings.hub_port),
        health_path="/_stcore/health",
        env={"PYTHONPATH": _pythonpath(root)},
        cwd=root,
        port_setting="HUB_PORT",
        log_file=settings.log_dir / "analytics_hub.log",
    )


def _pythonpath(root: Path) -> str:
    """The project first, so every child imports this copy of the code."""
    existing = os.environ.get("PYTHONPATH")
    return os.pathsep.join([str(root), existing]) if existing else str(root)


#: Entry file each service needs, relative to the project root.
ENTRY_FILES = {DAGSTER: "workspace.yaml", DATA_IMPORTER: "simple_ui.py", HUB: "analytics_ui.py"}


def plan_services(settings: Settings, root: Path | None = None) -> ServicePlan:
    """All declared services for this installation, in start order."""
    root = root or project_root()
    specs, missing = [], []
    for build in (dagster_spec, data_importer_spec, hub_spec):
        spec = build(settings, root)
        entry = root / ENTRY_FILES[spec.name]
        if entry.is_file():
            specs.append(spec)
        else:
            missing.append((spec.name, f"{entry.name} is not part of this installation"))
    return ServicePlan(specs, missing)
