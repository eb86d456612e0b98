"""``elt db ...``: schema migrations."""

from __future__ import annotations

import click

from elt_project.cli.context import cli_engine, cli_settings
from elt_project.db.migrate import current_revision, upgrade
from elt_project.db.reader_role import ensure_reader_role


@click.group("db")
def db_group() -> None:
    """Warehouse schema: migrate, inspect, script."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the metadata tables and the hub's reader role (idempotent; safe at every start)."""
    settings = cli_settings()
    engine = cli_engine(settings)
    upgrade(engine)
    click.echo(f"Warehouse {settings.describe_warehouse()} is at revision {current_revision(engine)}.")
    click.echo(ensure_reader_role(engine, settings.hub_reader_role).message)


COMMANDS = [db_group]
