"""``elt db ...``: schema migrations, and the setup scripts DBAs run (``elt db script``)."""

from __future__ import annotations

from pathlib import Path

import click

from elt_project.cli.context import cli_engine, cli_settings
from elt_project.db.migrate import current_revision, upgrade
from elt_project.db.reader_role import ensure_reader_role
from elt_project.settings import project_root


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


@db_group.command("script")
@click.option(
    "--dialect",
    type=click.Choice(["mssql", "postgresql", "sqlite"]),
    default="mssql",
    show_default=True,
    help="SQL dialect of the generated DDL.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the numbered scripts (mssql default: sql/ in the project); '-' prints them.",
)
def db_script(dialect: str, out: Path | None) -> None:
    """Generate the numbered setup scripts from the metadata tables (SQL Server: checked into sql/)."""
    from elt_project.db.dialect_traits import traits
    from elt_project.db.tsql_scripts import render_combined, write_scripts

    if out is None and traits(dialect).scripts_in_project:
        out = project_root() / "sql"
    if out is None or str(out) == "-":
        click.echo(render_combined(dialect))
        return
    for path in write_scripts(out, dialect):
        click.echo(f"Wrote {path}")


COMMANDS = [db_group]
