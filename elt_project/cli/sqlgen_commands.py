"""``elt setup-sql``, ``elt backup`` and ``elt restore``: SQL written for people.

These commands generate SQL that DBAs review and run (setup scripts, DDL for a new
feed) or that restores the metadata tables. The logic lives in ``db/`` and
``pipeline/``; this module only parses options and prints.
"""

from __future__ import annotations

from pathlib import Path

import click

from elt_project.cli.context import cli_engine, cli_settings


@click.command("backup")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the backup files (default: backups/ in ELT_OUTPUT_DIR, else in the project).",
)
@click.option("--table", "tables", multiple=True, help="Back up only this metadata table (repeatable).")
def backup(out: Path | None, tables: tuple[str, ...]) -> None:
    """Script the metadata tables' rows as INSERT statements, and the transforms' definitions."""
    from elt_project.db.backup import backup_database

    settings = cli_settings()
    engine = cli_engine(settings)
    folder = out if out is not None else settings.output_root / "backups"
    for path in backup_database(engine, folder, settings.transforms_dir, tables or None):
        click.echo(f"Wrote {path}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(folder: Path) -> None:
    """Load backup_data_<table>.sql files into an empty, migrated warehouse (all or nothing)."""
    from elt_project.db.backup import restore_backups

    settings = cli_settings()
    engine = cli_engine(settings)
    for table, rows in restore_backups(engine, folder).items():
        click.echo(f"{table}: {rows} rows")


@click.command("setup-sql")
@click.argument("pipeline")
@click.option(
    "--dialect",
    type=click.Choice(["auto", "mssql", "postgresql", "sqlite"]),
    default="auto",
    show_default=True,
    help="SQL dialect; auto uses the warehouse's.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the generated files (default: generated_sql/ in ELT_OUTPUT_DIR, else in the project).",
)
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Also run it on the warehouse (admins; keeps existing transforms).",
)
def setup_sql(pipeline: str, dialect: str, out: Path | None, apply_: bool) -> None:
    """Generate staging/destination tables and the transform for PIPELINE from sample files."""
    from elt_project.config.repository import load_pipeline_configs
    from elt_project.errors import ConfigurationError
    from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql, write_setup_sql

    settings = cli_settings()
    engine = cli_engine(settings)
    configs, _ = load_pipeline_configs(engine)
    group = [c for c in configs if pipeline.casefold() in (c.pipeline_name.casefold(), c.group_slug.casefold())]
    if not group:
        raise ConfigurationError(
            f"No active imports in pipeline '{pipeline}'; check the name with `python3 launch.py elt imports`."
        )
    result = generate_setup_sql(group, engine.dialect.name if dialect == "auto" else dialect, settings)
    for path in write_setup_sql(result, out if out is not None else settings.output_root / "generated_sql"):
        click.echo(f"Wrote {path}")
    if result.problems:
        for problem in result.problems:
            click.secho(f"Error: {problem}", fg="red", err=True)
        click.secho(
            "The script is incomplete"
            + (" and nothing was applied" if apply_ else "")
            + "; fix the problems above and generate again.",
            fg="red",
            err=True,
        )
        raise SystemExit(1)
    if not apply_:
        click.echo("Review the script, then run it in your SQL client (or again with --apply).")
        return
    for line in apply_setup_sql(engine, result, settings):
        click.echo(f"Applied: {line}")


COMMANDS = [setup_sql, backup, restore]
