"""``elt ask`` and ``elt sql``: the hub's question answering and checked SQL, for scripts.

``--json`` prints exactly ``{"sql", "engine", "columns", "rows"}`` on stdout; any
refusal or failure prints ``{"error": "..."}`` and exits with status 1.
"""

from __future__ import annotations

import json
import sys

import click

from elt_project.cli.context import cli_account, cli_engine, cli_settings
from elt_project.errors import EltError


def _emit(result, as_json: bool) -> None:
    from elt_project.analytics.jsonable import json_rows

    if as_json:
        payload = {
            "sql": result.sql,
            "engine": result.engine,
            "columns": result.columns,
            "rows": json_rows(result.rows),
        }
        click.echo(json.dumps(payload, default=str))
        return
    click.echo(f"-- {result.engine}: {result.explanation}")
    click.echo(result.sql)
    click.echo("\t".join(result.columns))
    for row in json_rows(result.rows):
        click.echo("\t".join("" if v is None else str(v) for v in row))


def _run(work, as_json: bool, username: str | None) -> None:
    from elt_project.analytics.nl2sql import ask_context  # sqlglot and the schema reader: only when run

    try:
        settings = cli_settings()
        engine = cli_engine(settings)
        account = cli_account(engine, username)
        _emit(work(ask_context(engine, settings, account=account)), as_json)
    except EltError as exc:
        if not as_json:
            raise
        click.echo(json.dumps({"error": str(exc)}))
        sys.exit(1)


@click.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print {sql, engine, columns, rows} as JSON.")
@click.option("--as", "username", default=None, help="Read only the tables this account's grants allow.")
def ask_command(question: str, as_json: bool, username: str | None) -> None:
    """Answer a plain-English QUESTION with safe, read-only SQL."""
    from elt_project.analytics.nl2sql import answer

    _run(lambda context: answer(question, context), as_json, username)


@click.command("sql")
@click.argument("statement")
@click.option("--json", "as_json", is_flag=True, help="Print {sql, engine, columns, rows} as JSON.")
@click.option("--as", "username", default=None, help="Read only the tables this account's grants allow.")
def sql_command(statement: str, as_json: bool, username: str | None) -> None:
    """Run one SELECT through the hub's safety checks on a read-only connection."""
    from elt_project.analytics.nl2sql import run_sql

    _run(lambda context: run_sql(statement, context), as_json, username)


COMMANDS = [ask_command, sql_command]
