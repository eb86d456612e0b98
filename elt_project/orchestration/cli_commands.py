"""``elt reload``: ask the running Dagster webserver to re-read the config table."""

import click

from elt_project.orchestration.dagster_client import LOCATION_NAME, DagsterClient
from elt_project.settings import load_settings


@click.command("reload")
@click.option("--url", default=None, help="Dagster webserver URL; default http://BIND_HOST:DAGSTER_PORT.")
@click.option("--location", default=LOCATION_NAME, show_default=True, help="Code location name in workspace.yaml.")
def reload_command(url: str | None, location: str) -> None:
    """Reload the Dagster code location so config rows added or changed since the last load show up."""
    base_url = url or load_settings().dagster_url
    outcome = DagsterClient(base_url, location=location).reload_location()
    if outcome != "loaded":
        raise click.ClickException(f"Reloaded '{location}', but it did not load: {outcome}")
    click.echo(f"Reloaded '{location}' at {base_url}.")


COMMANDS = [reload_command]
