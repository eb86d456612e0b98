"""``elt steward ...``: the Data Steward's allow-list, and applying a reviewed change file.

``apply`` goes through exactly the path of the hub's save: the same role and
allow-list checks, value checks, optimistic check against ``_expected_<column>``
cells, one upsert, the data-quality rules and the audit rows. One refused row
refuses the whole file: the command exits non-zero and the table is unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from elt_project.analytics.steward import allowlist, audit
from elt_project.analytics.steward.changes import changes_from_csv
from elt_project.analytics.steward.save import SaveRefused, apply_changes
from elt_project.cli.context import cli_engine, cli_settings


@click.group("steward")
def steward_group() -> None:
    """Tables stewards may edit, reviewed change files, and the audit log."""


@steward_group.command("allow")
@click.argument("table")
@click.option("--as", "username", default=None, help="Admin recorded as having allowed it.")
def steward_allow(table: str, username: str | None) -> None:
    """Open TABLE (it needs a primary key) for editing by stewards."""
    added = allowlist.allow(cli_engine(cli_settings()), table, allowed_by=username)
    click.echo(f"Stewards may now edit {table}." if added else f"{table} was already open for editing.")


@steward_group.command("deny")
@click.argument("table")
def steward_deny(table: str) -> None:
    """Close TABLE for editing (its audit history stays)."""
    removed = allowlist.deny(cli_engine(cli_settings()), table)
    click.echo(f"{table} is no longer open for editing." if removed else f"{table} was not open for editing.")


@steward_group.command("list")
def steward_list() -> None:
    """The tables open for editing."""
    tables = allowlist.allowed_tables(cli_engine(cli_settings()))
    none = "No table is open for editing; see `python3 launch.py elt steward allow TABLE`."
    click.echo("\n".join(tables) if tables else none)


@steward_group.command("apply")
@click.argument("table")
@click.argument("changes_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="The steward the change is made as (audited).")
def steward_apply(table: str, changes_file: Path, username: str) -> None:
    """Apply CHANGES_FILE (CSV: key, changed columns, optional _delete and _expected_<column>) to TABLE.

    An empty cell leaves a value as it is; \\N sets NULL.
    """
    engine = cli_engine(cli_settings())
    target = allowlist.require_allowed(engine, table)
    changes = changes_from_csv(changes_file, target)
    try:
        result = apply_changes(engine, target.name, changes, username=username)
    except SaveRefused as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        for conflict in exc.conflicts:
            click.echo(f"  row {conflict.key}: {conflict.reason}", err=True)
            for cell in conflict.cells:
                click.echo(
                    f"    {cell.column}: you expected {cell.you_saw!r}, the database has {cell.in_database!r}, "
                    f"your value {cell.yours!r}",
                    err=True,
                )
        sys.exit(1)
    click.echo(result.summary(target.name))
    for warning in result.warnings:
        click.echo(f"Warning: {warning}")


@steward_group.command("history")
@click.argument("table")
@click.argument("key")
def steward_history(table: str, key: str) -> None:
    """Every audited change of the row KEY of TABLE (composite keys: the JSON list of values)."""
    entries = audit.row_history(cli_engine(cli_settings()), table, key)
    if not entries:
        click.echo(f"No audited change of row {key} in {table}.")
    for e in entries:
        click.echo(
            f"{e.changed_at:%Y-%m-%d %H:%M:%S}  {e.changed_by:<16} {e.action:<6} {e.column_name or '':<20} "
            f"{e.old_value!r} -> {e.new_value!r}"
        )


COMMANDS = [steward_group]
