"""``elt retry IMPORT [--file PATH ...]``: load an import's failed files again, now.

The file sensor retries a failed file by itself once the import's config, rules or
tables change; this command is for a cause it cannot see (a file unlocked, a
procedure fixed) or for not waiting. The engine does the work
(:func:`elt_project.pipeline.retry.retry_failed`); this module parses and prints.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from elt_project.cli.context import cli_engine, cli_settings
from elt_project.cli.run_commands import print_summary
from elt_project.config.repository import get_pipeline_config


@click.command("retry")
@click.argument("import_name")
@click.option(
    "--file",
    "files",
    multiple=True,
    help="Retry only this failed file (relative to the current folder); repeatable.",
)
def retry_command(import_name: str, files: tuple[str, ...]) -> None:
    """Load IMPORT_NAME's failed files again (all of them, or the ones named with --file)."""
    from elt_project.pipeline.retry import retry_failed

    settings = cli_settings()
    engine = cli_engine(settings)
    config = get_pipeline_config(engine, import_name)
    started = time.perf_counter()
    outcome = retry_failed(engine, settings, config, [str(Path(f).expanduser().absolute()) for f in files] or None)
    if outcome.released:
        click.echo(f"Released {outcome.released} file(s) a dead run had left staged.")
    click.echo(f"Retrying {', '.join(outcome.retried)}")
    for note in outcome.left:
        click.secho(f"Not retried: {note}", fg="yellow", err=True)
    summary = outcome.summary
    print_summary(summary, time.perf_counter() - started)
    if summary.failed:
        for error in summary.errors:
            click.secho(f"Error: {error}", fg="red", err=True)
        sys.exit(1)


COMMANDS = [retry_command]
