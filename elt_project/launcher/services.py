"""The services ``elt start`` runs, each a declared entry: name, argument list, port, health check, log.

Adding a service means adding one entry here. A service whose entry file is not part
of this installation is left out with a line saying so, rather than failing the start.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from elt_project.launcher.supervisor import ServiceSpec
from elt_project.settings import DAGSTER_HOST, Settings, project_root


@dataclass(frozen=True)
class ServicePlan:
    """The declared services: those that can start, and those left out with the reason."""

    specs: list[ServiceSpec]
    missing: list[tuple[str, str]]

    def find(self, name: str) -> ServiceSpec | None:
        return next((spec for spec in self.specs if spec.name == name), None)


DAGSTER = "Dagster webserver"
DAGSTER_DAEMON = "Dagster daemon"
DATA_IMPORTER = "Data Importer"
HUB = "Analytics Hub"


def _dagster_env(settings: Settings, root: Path) -> dict[str, str]:
    """Where Dagster's instance is: its home, and (scale-out) the PostgreSQL storage its dagster.yaml names.

    The storage URL may come from ``.env``, which Dagster does not read: it is handed on here,
    with the driver dagster-postgres uses.
    """
    env = {"DAGSTER_HOME": str(settings.dagster_home), "PYTHONPATH": _pythonpath(root)}
    storage = settings.dagster_storage()
    if storage:
        env["DAGSTER_STORAGE_URL"] = storage
    return env


def dagster_webserver_spec(settings: Settings, root: Path) -> ServiceSpec:
    """The Dagster UI and GraphQL API, on loopback only: it has no login, it is the administrators' tool.

    The webserver and the daemon run as two services, as production Dagster does, so one
    dying is restarted without the other. Each starts its own code server from
    ``workspace.yaml`` (``dagster code-server start``, so a reload re-reads the code).
    The working folder stays the project, because config rows may name monitored
    folders relative to it.
    """
    return ServiceSpec(
        name=DAGSTER,
        argv=[
            sys.executable,
            "-m",
            "dagster_webserver",
            "-w",
            str(root / "workspace.yaml"),
            "-h",
            DAGSTER_HOST,
            "-p",
            str(settings.dagster_port),
        ],
        url=settings.dagster_url,
        health_path="/server_info",
        env=_dagster_env(settings, root),
        cwd=root,
        port_setting="DAGSTER_PORT",
        log_file=settings.log_dir / "dagster_webserver.log",
    )


#: Runs a console script of an installed package by its declared entry point, with this interpreter.
_RUN_CONSOLE_SCRIPT = (
    "import sys; from importlib.metadata import entry_points; "
    "(ep,) = entry_points(group='console_scripts', name=sys.argv[1]); "
    "sys.argv = sys.argv[1:]; sys.exit(ep.load()())"
)


def console_script_argv(name: str) -> list[str]:
    """The argument list that runs console script ``name`` (e.g. ``dagster-daemon``) with this interpreter.

    ``dagster-daemon run`` is Dagster's public way to start the daemon; its module path is private.
    Going through the entry point the package declares keeps the public name, and works where the
    script folder is not next to ``sys.executable`` (a system Python on Windows).
    """
    return [sys.executable, "-c", _RUN_CONSOLE_SCRIPT, name]


def dagster_daemon_spec(settings: Settings, root: Path) -> ServiceSpec:
    """Sensors, schedules, the run queue and run monitoring; healthy once it has sent a heartbeat."""
    return ServiceSpec(
        name=DAGSTER_DAEMON,
        argv=[*console_script_argv("dagster-daemon"), "run", "-w", str(root / "workspace.yaml")],
        url=None,
        env=_dagster_env(settings, root),
        cwd=root,
        log_file=settings.log_dir / "dagster_daemon.log",
        health=partial(daemon_heartbeat_since, settings.dagster_url),
    )


def daemon_heartbeat_since(webserver_url: str, since: float, timeout_s: float = 5.0) -> bool:
    """True when the daemon's sensor loop has sent a heartbeat since ``since`` (epoch seconds).

    Asked through the webserver's GraphQL API, which reads the instance's heartbeats:
    the daemon has no port of its own, and a live process is not yet a working daemon.
    While the webserver is down the answer is False (not known yet).
    """
    query = json.dumps({"query": DAEMON_HEALTH_QUERY}).encode()
    request = urllib.request.Request(  # noqa: S310 — the URL is the webserver's http address built from settings
        f"{webserver_url}/graphql", data=query, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 — the URL is the webserver's http address built from settings
            statuses = json.load(response)["data"]["instance"]["daemonHealth"]["allDaemonStatuses"]
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError):
        return False
    beats = {status["daemonType"]: status.get("lastHeartbeatTime") or 0 for status in statuses}
    return beats.get("SENSOR", 0) >= since


DAEMON_HEALTH_QUERY = "{ instance { daemonHealth { allDaemonStatuses { daemonType lastHeartbeatTime } } } }"


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
            **_dagster_env(settings, root),
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
ENTRY_FILES = {
    DAGSTER: "workspace.yaml",
    DAGSTER_DAEMON: "workspace.yaml",
    DATA_IMPORTER: "simple_ui.py",
    HUB: "analytics_ui.py",
}


def plan_services(settings: Settings, root: Path | None = None) -> ServicePlan:
    """All declared services for this installation, in start order."""
    root = root or project_root()
    specs, missing = [], []
    for build in (dagster_webserver_spec, dagster_daemon_spec, data_importer_spec, hub_spec):
        spec = build(settings, root)
        entry = root / ENTRY_FILES[spec.name]
        if entry.is_file():
            specs.append(spec)
        else:
            missing.append((spec.name, f"{entry.name} is not part of this installation"))
    return ServicePlan(specs, missing)
