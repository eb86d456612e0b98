"""``elt glossary ...``: the business terms Ask understands (see :mod:`elt_project.analytics.glossary`)."""

from __future__ import annotations

import click

from elt_project.analytics import glossary, hub_config
from elt_project.cli.context import cli_engine, cli_settings


@click.group("glossary")
def glossary_group() -> None:
    """Business terms mapped to a column, a filter or an expression."""


@glossary_group.command("add")
@click.argument("term")
@click.option("--table", required=True, help="The table the term is about.")
@click.option("--column", "column", default=None, help="The term is another name for this column.")
@click.option("--filter", "condition", default=None, help="The term means this condition, e.g. 'shipped_at IS NULL'.")
@click.option("--expression", default=None, help="The term means this aggregate, e.g. 'SUM(amount)'.")
@click.option("--as", "username", default=None, help="Admin recorded as having added it.")
def glossary_add(
    term: str, table: str, column: str | None, condition: str | None, expression: str | None, username: str | None
) -> None:
    """Define TERM (checked against the table and the SQL safety rules before it is saved)."""
    given = [(kind, text) for kind, text in (("column", column), ("filter", condition), ("expression", expression))]
    chosen = [(kind, text) for kind, text in given if text]
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one of --column, --filter or --expression.")
    engine = cli_engine(cli_settings())
    kind, text = chosen[0]
    saved = glossary.add_term(engine, term, kind, table, text, allowed=hub_config.allowed_tables(engine), by=username)
    click.echo(f"'{saved.term}' now means the {saved.kind} {saved.definition} on {saved.table}.")


@glossary_group.command("list")
def glossary_list() -> None:
    """Every term and what it means."""
    terms = glossary.list_terms(cli_engine(cli_settings()))
    if not terms:
        click.echo("The glossary is empty; see `python3 launch.py elt glossary add --help`.")
    for t in sorted(terms, key=lambda t: t.term):
        click.echo(f"{t.term}\t{t.kind}\t{t.table}\t{t.definition}")


@glossary_group.command("remove")
@click.argument("term")
def glossary_remove(term: str) -> None:
    """Forget TERM."""
    removed = glossary.remove_term(cli_engine(cli_settings()), term)
    click.echo(f"'{term}' removed." if removed else f"'{term}' is not in the glossary.")


COMMANDS = [glossary_group]
