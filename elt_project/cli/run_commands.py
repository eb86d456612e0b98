"""``elt run`` and ``elt imports``: run the engine from a terminal, without Dagster.

``elt run IMPORT_NAME [--file PATH ...]`` stages and transforms one import (all new
files in its monitored folder, or the named ones); ``elt run --pipeline NAME`` runs
every active import of a group. A summary (rows, quality results, time) is printed;
the exit status is non-zero when anything failed, so schedulers and scripts notice.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from elt_project.cli.context import cli_engine, cli_settings
from elt_project.config.repository import get_pipeline_config, load_pipeline_configs
from elt_project.errors import ConfigurationError
from elt_project.pipeline.api import run_import, run_pipeline
from elt_project.pipeline.results import RunSummary


@click.command("run")
@click.argument("import_name", required=False)
@click.option("--file", "files", multiple=True, help="A file to load (inside the monitored folder); repeatable.")
@click.option("--pipeline", "pipeline_name", help="Run every active import of this pipeline group.")
@click.option(
    "--reload",
    is_flag=True,
    help="Load the --file(s) again although already loaded; an append import first removes that file's rows.",
)
def run_command(import_name: str | None, files: tuple[str, ...], pipeline_name: str | None, reload: bool) -> None:
    """Load an import (or a whole pipeline group) now: parse, stage, check, transform."""
    if bool(import_name) == bool(pipeline_name):
        raise ConfigurationError(
            "Give either an IMPORT_NAME or --pipeline NAME (one of them); see `python3 launch.py elt imports`."
        )
    if files and pipeline_name:
        raise ConfigurationError(
            "--file applies to one import; use `python3 launch.py elt run IMPORT_NAME --file PATH`."
        )
    settings = cli_settings()
    engine = cli_engine(settings)
    started = time.perf_counter()
    if pipeline_name:
        summary = run_pipeline(engine, settings, pipeline_name)
    else:
        config = get_pipeline_config(engine, import_name)
        if reload and not files:
            raise ConfigurationError("--reload loads named files again; add --file PATH.")
        # Relative paths are taken from the working folder, as any command-line tool does.
        paths = [str(Path(f).expanduser().absolute()) for f in files]
        summary = run_import(engine, settings, config, paths or None, reload=reload)
    if summary.transform is not None and summary.transform.imports:
        from elt_project.analytics.search.freshness import refresh_when_landed

        loaded = {get_pipeline_config(engine, name).destination_table for name in summary.transform.imports}
        refresh_when_landed(engine, settings, sorted(loaded))
    print_summary(summary, time.perf_counter() - started)
    if summary.failed:
        for error in summary.errors:
            click.secho(f"Error: {error}", fg="red", err=True)
        sys.exit(1)


def print_summary(summary: RunSummary, seconds: float) -> None:
    """Rows per import, quality results and the time taken."""
    click.echo(f"Run {summary.run_id}")
    for stage in summary.stages:
        files = ", ".join(f"{f.path.name} ({f.status})" for f in stage.files) or "no new files"
        click.echo(f"  {stage.import_name}: {files}")
        click.echo(f"    rows read {stage.rows_read:,}, staged {stage.rows_staged:,}, rejected {stage.rows_rejected:,}")
        for note in stage.notes:
            click.secho(f"    note: {note}", fg="yellow")
        for outcome in stage.quality:
            verdict = "PASS" if outcome.passed else outcome.severity
            click.echo(
                f"    quality {outcome.rule_name} ({outcome.check_type}): {verdict}, {outcome.failing_rows} failing"
            )
    if summary.transform is not None:
        for name in summary.transform.imports:
            loaded = summary.transform.rows_loaded.get(name, 0)
            dedup = summary.transform.rows_deduplicated.get(name, 0)
            click.echo(f"  {name}: loaded {loaded:,} rows ({dedup:,} duplicates removed)")
            if summary.transform.rows_replaced.get(name):
                click.echo(f"    reload: removed {summary.transform.rows_replaced[name]:,} rows of the earlier load")
        if summary.transform.activated_imports:
            click.echo(f"  activated: {', '.join(summary.transform.activated_imports)}")
    click.echo(f"Done in {seconds:.2f} s")


@click.command("imports")
@click.option("--all", "show_all", is_flag=True, help="Include inactive imports.")
def imports_command(show_all: bool) -> None:
    """List the imports (active ones unless --all) with their pipeline and last load."""
    settings = cli_settings()
    engine = cli_engine(settings)
    configs, problems = load_pipeline_configs(
        engine, active_only=not show_all, monitored_roots=settings.monitored_root_folders()
    )
    for config in configs:
        last = config.last_import_date.strftime("%Y-%m-%d %H:%M") if config.last_import_date else "never"
        state = "" if config.is_active else " (inactive)"
        click.echo(
            f"{config.import_name}{state}  pipeline={config.pipeline_name}  {config.file_type} "
            f"{config.staging_table} -> {config.destination_table} ({config.load_method})  last={last}"
        )
    if not configs:
        click.echo("No imports configured; add rows to elt_pipeline_configs.")
    for problem in problems:
        click.secho(f"Skipped: {problem}", fg="yellow", err=True)


COMMANDS = [run_command, imports_command]
