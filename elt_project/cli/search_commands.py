"""``elt search "QUERY"``: the hub's semantic search on the command line."""

from __future__ import annotations

import json

import click

from elt_project.analytics.search import search_warehouse
from elt_project.cli.context import cli_account, cli_engine, cli_settings


@click.command("search")
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many results.")
@click.option("--json", "as_json", is_flag=True, help='Print {"engine": ..., "results": [...]} as JSON.')
@click.option("--as", "username", default=None, help="Show only what this account may see.")
@click.option(
    "--refresh/--no-refresh",
    default=False,
    help="Look for new rows in every table before searching (default: the index as the last load left it).",
)
def search_command(query: str, limit: int, as_json: bool, username: str | None, refresh: bool) -> None:
    """Find tables, columns and rows by meaning (the index is refreshed when data is loaded)."""
    settings = cli_settings()
    engine = cli_engine(settings)
    account = cli_account(engine, username)
    name, hits, report = search_warehouse(engine, settings, query, account=account, limit=limit, refresh_first=refresh)
    if as_json:
        click.echo(json.dumps({"engine": name, "results": [hit.as_json() for hit in hits]}, default=str))
        return
    if report is not None:
        click.echo(report.summary(), err=True)
    if not hits:
        click.echo("Nothing found.")
    for hit in hits:
        where = f"{hit.table} [{hit.key}]" if hit.key else f"{hit.table} ({hit.kind})"
        more = f" (+{hit.similar} more like it)" if hit.similar else ""
        click.echo(f"{hit.score:6.3f}  {where}: {hit.text}{more}")


COMMANDS = [search_command]
