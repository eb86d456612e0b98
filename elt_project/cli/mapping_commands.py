"""``elt setup-mappings``: write ``column_mapping`` for imports whose staging table exists.

The command-line twin of the ``<pipeline>_generate_column_mappings`` Dagster asset:
the sample file's headers are paired with the staging table's columns
(:mod:`elt_project.pipeline.column_mappings`) and stored in ``elt_pipeline_configs``.
"""

from __future__ import annotations

import sys

import click

from elt_project.cli.context import cli_engine, cli_settings


@click.command("setup-mappings")
@click.argument("import_names", nargs=-1, required=True, metavar="IMPORT...")
def setup_mappings(import_names: tuple[str, ...]) -> None:
    """Pair each IMPORT's sample-file headers with its staging columns and save column_mapping."""
    from elt_project.config.repository import get_pipeline_config
    from elt_project.pipeline.column_mappings import generate_column_mappings

    settings = cli_settings()
    engine = cli_engine(settings)
    configs = [get_pipeline_config(engine, name) for name in import_names]
    result = generate_column_mappings(engine, configs)
    for name, mapping in result.items():
        click.echo(f"{name}: column_mapping = {mapping}")
    for problem in result.problems:
        click.secho(f"Error: {problem}", fg="red", err=True)
    if result.problems:
        sys.exit(1)


COMMANDS = [setup_mappings]
