"""``elt start``: set everything up and run the services until Ctrl+C."""

from __future__ import annotations

import sys
import webbrowser

import click

from elt_project.cli.context import cli_engine, cli_settings
from elt_project.launcher.setup import prepare_dagster_home, prepare_warehouse
from elt_project.launcher.supervisor import (
    ServiceSpec,
    start_service,
    stop_service,
    supervise,
    wait_until_healthy,
)
from elt_project.settings import Settings, project_root


def dagster_service(settings: Settings) -> ServiceSpec:
    """The Dagster webserver and daemon (``dagster dev`` runs both over one code server)."""
    root = project_root()
    return ServiceSpec(
        name="Dagster",
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
        url=f"http://{settings.bind_host}:{settings.dagster_port}",
        health_path="/server_info",
        env={"DAGSTER_HOME": str(settings.dagster_home)},
        cwd=root,
    )


def hub_service(settings: Settings) -> ServiceSpec:
    """The Analytics & AI Hub (Streamlit) on ``HUB_PORT``."""
    root = project_root()
    return ServiceSpec(
        name="Analytics & AI Hub",
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
        ],
        url=f"http://{settings.bind_host}:{settings.hub_port}",
        health_path="/_stcore/health",
        cwd=root,
    )


@click.command("start")
@click.option("--no-demo", is_flag=True, help="Do not install the demo on an empty embedded warehouse.")
@click.option("--setup-only", is_flag=True, help="Prepare the warehouse and Dagster home, then exit.")
@click.option("--dev", is_flag=True, help="Open the full Dagster UI (for administrators) in the browser once ready.")
def start(no_demo: bool, setup_only: bool, dev: bool) -> None:
    """Prepare the warehouse and start every service; Ctrl+C stops them all."""
    settings = cli_settings()
    engine = cli_engine(settings)
    for line in prepare_warehouse(engine, settings, demo=not no_demo):
        click.echo(line)
    engine.dispose()
    prepare_dagster_home(settings)
    if setup_only:
        return
    specs = [dagster_service(settings), hub_service(settings)]
    running = []
    try:
        for spec in specs:
            click.echo(f"starting {spec.name} ...")
            service = start_service(spec)
            running.append(service)
            if not wait_until_healthy(service):
                click.secho(f"{spec.name} did not come up; see the messages above.", fg="red", err=True)
                _stop_all(running)
                sys.exit(1)
            click.echo(f"{spec.name} is ready at {spec.url}")
    except KeyboardInterrupt:  # Ctrl+C while starting: take down what already runs
        _stop_all(running)
        sys.exit(0)
    if dev:
        webbrowser.open(specs[0].url)
    click.echo("All services are running. Press Ctrl+C to stop.")
    sys.exit(supervise(running))


def _stop_all(running: list) -> None:
    for service in reversed(running):
        stop_service(service)


COMMANDS = [start]
