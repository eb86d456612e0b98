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


def _register() -> None:
    from elt_project.cli import (
        analytics_commands,
        ask_commands,
        db_commands,
        demo_commands,
        run_commands,
        service_commands,
        sqlgen_commands,
        user_commands,
    )

    modules = (db_commands, run_commands, sqlgen_commands, demo_commands, service_commands, user_commands)
    for module in (*modules, ask_commands, analytics_commands):
        for command in module.COMMANDS:
            main.add_command(command)
    from elt_project.orchestration import cli_commands as orchestration_commands

    for command in orchestration_commands.COMMANDS:
        main.add_command(command)


_register()
