"""``elt scraper test CONFIG.json [--scraper_type selenium|web|sftp|download]``: try a scraper config locally.

Runs the config through the production source code outside Dagster, with the
project's ``.env`` loaded, and prints each extracted table's shape and first
rows — or the failing step and its error (with ``--traceback``, the stack too).
``test_scraper_config.py`` in the project root is the same command.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import datetime
from pathlib import Path

import click

from elt_project.errors import EltError
from elt_project.ingest.source_kinds import SCRAPER_TYPES
from elt_project.ingest.sources.secrets import SecretBook
from elt_project.ingest.sources.trial import run_trial
from elt_project.settings import load_settings

PREVIEW_ROWS = 5


def _read_config(path: Path) -> dict:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.UsageError(f"Cannot read {path} ({exc.strerror}); give the path of the JSON config.") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise click.UsageError(f"{path} is not valid JSON ({exc.msg} at {where}).") from exc
    if not isinstance(config, dict):
        raise click.UsageError(f"{path} must hold one JSON object ({{...}}), as the scraper_config column does.")
    return config


def _preview(table) -> str:
    frame = table.slice(0, PREVIEW_ROWS).to_pandas()
    return frame.to_string(index=False, max_colwidth=40) if len(frame.columns) else "(no columns)"


def scraper_test(
    config_path: str, scraper_type: str, env_file: str | None, show_traceback: bool, log_dir: str | None = None
) -> int:
    """Run the trial and print it; returns the exit status."""
    config = _read_config(Path(config_path))
    settings = load_settings(env_file=Path(env_file) if env_file else None)
    secrets = SecretBook(settings)
    stamp = f"local-test-{datetime.now():%Y%m%d-%H%M%S}"
    evidence = Path(log_dir) if log_dir else settings.data_dir / "logs" / "scrapers" / stamp
    click.echo(f"Running {config_path} as {SCRAPER_TYPES.get(scraper_type, scraper_type)} ...")
    try:
        tables = run_trial(config, scraper_type, secrets=secrets, log_dir=evidence, log=lambda m: click.echo(f"  {m}"))
    except EltError as exc:
        click.secho(f"Scraper failed: {exc}", fg="red", err=True)
        if show_traceback:
            traceback.print_exc()
        return 1
    except Exception as exc:  # an unexpected failure: the full stack helps while developing a config
        click.secho(
            f"Scraper failed unexpectedly ({type(exc).__name__}: {secrets.redact(str(exc))[:300]})", fg="red", err=True
        )
        click.echo(secrets.redact(traceback.format_exc()), err=True)
        return 1
    for result in tables:
        if result.table is None:
            click.echo(f"\n{result.name}: downloaded to {result.origin}")
            continue
        rows, columns = result.table.num_rows, result.table.num_columns
        click.echo(f"\n{result.name} (from {result.origin}): shape ({rows} rows, {columns} columns)")
        click.echo(f"columns: {', '.join(result.table.column_names)}")
        click.echo(_preview(result.table))
    if not tables:
        click.echo("The scraper ran and returned nothing (no matching files or tables).")
    return 0


@click.group("scraper")
def scraper_group() -> None:
    """Develop scraper configs (web, Selenium, SFTP) before they go into elt_pipeline_configs."""


def _test_options(function):
    function = click.option("--traceback", "show_traceback", is_flag=True, help="Also print the stack trace.")(function)
    function = click.option("--log-dir", help="Where a failing step's screenshot and page go (default data/logs).")(
        function
    )
    function = click.option("--env-file", help="The .env to read credentials from (default: the home folder's).")(
        function
    )
    function = click.option(
        "--scraper_type",
        "--scraper-type",
        "scraper_type",
        default="selenium",
        show_default=True,
        type=click.Choice(sorted(SCRAPER_TYPES)),
        help="Which scraper runs the config.",
    )(function)
    return click.argument("config_path", type=click.Path(dir_okay=False))(function)


@scraper_group.command("test")
@_test_options
def test_command(
    config_path: str, scraper_type: str, env_file: str | None, show_traceback: bool, log_dir: str | None
) -> None:
    """Run CONFIG_PATH (a scraper_config JSON file) now and preview what it extracts."""
    sys.exit(scraper_test(config_path, scraper_type, env_file, show_traceback, log_dir))


@click.command("test_scraper_config")
@_test_options
def standalone(
    config_path: str, scraper_type: str, env_file: str | None, show_traceback: bool, log_dir: str | None
) -> None:
    """test_scraper_config.py CONFIG_PATH [--scraper_type selenium|web|sftp|download]."""
    sys.exit(scraper_test(config_path, scraper_type, env_file, show_traceback, log_dir))


COMMANDS = [scraper_group]
