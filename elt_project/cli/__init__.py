"""The ``elt`` command: one group, with subcommands registered from one module per concern."""

from __future__ import annotations

import sys

import click

from elt_project.errors import EltError


class FriendlyGroup(click.Group):
    """Turns the project's own errors into one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EltError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=FriendlyGroup)
def main() -> None:
    """Metadata-driven ELT: pipelines are rows in elt_pipeline_configs."""


#: Modules that each hold a ``COMMANDS`` list, in the order ``elt --help`` shows them.
COMMAND_MODULES = (
    "elt_project.cli.db_commands",
    "elt_project.cli.run_commands",
    "elt_project.cli.retry_commands",
    "elt_project.cli.sqlgen_commands",
    "elt_project.cli.mapping_commands",
    "elt_project.cli.demo_commands",
    "elt_project.cli.service_commands",
    "elt_project.cli.user_commands",
    "elt_project.cli.scraper_commands",
    "elt_project.cli.ask_commands",
    "elt_project.cli.search_commands",
    "elt_project.cli.steward_commands",
    "elt_project.cli.glossary_commands",
    "elt_project.cli.analytics_commands",
    "elt_project.orchestration.cli_commands",
)


def _register() -> None:
    import importlib

    for module_name in COMMAND_MODULES:
        for command in importlib.import_module(module_name).COMMANDS:
            main.add_command(command)


_register()
