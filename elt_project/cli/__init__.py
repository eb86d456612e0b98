"""The ``elt`` command: one group whose subcommands are imported only when one is run.

Each subcommand lives in a module of its own, and some of those import Dagster,
pandas or sqlglot, which take seconds. ``elt --help`` and ``elt ask`` must not pay
for every other command's imports, so the group knows each command by name, module
and one-line help (a test checks the line against the command's own docstring), and
imports a module only when its command is invoked.
"""

from __future__ import annotations

import importlib
import sys

import click

from elt_project.errors import EltError

#: name -> (module, attribute, the line ``elt --help`` shows), in the order of the modules.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "db": ("elt_project.cli.db_commands", "db_group", "Warehouse schema: migrate, inspect, script."),
    "run": (
        "elt_project.cli.run_commands",
        "run_command",
        "Load an import (or a whole pipeline group) now: parse, stage, check, transform.",
    ),
    "imports": (
        "elt_project.cli.run_commands",
        "imports_command",
        "List the imports (active ones unless --all) with their pipeline and last load.",
    ),
    "freshness": (
        "elt_project.cli.freshness_commands",
        "freshness_command",
        "List every active import's last arrival, expected next arrival and state (on time, late, too small).",
    ),
    "retry": (
        "elt_project.cli.retry_commands",
        "retry_command",
        "Load IMPORT_NAME's failed files again (all of them, or the ones named with --file).",
    ),
    "setup-sql": (
        "elt_project.cli.sqlgen_commands",
        "setup_sql",
        "Generate staging/destination tables and the transform for PIPELINE from sample files.",
    ),
    "backup": (
        "elt_project.cli.sqlgen_commands",
        "backup",
        "Script the metadata tables' rows as INSERT statements, and the transforms' definitions.",
    ),
    "restore": (
        "elt_project.cli.sqlgen_commands",
        "restore",
        "Load backup_data_<table>.sql files into an empty, migrated warehouse (all or nothing).",
    ),
    "setup-mappings": (
        "elt_project.cli.mapping_commands",
        "setup_mappings",
        "Pair each IMPORT's sample-file headers with its staging columns and save column_mapping.",
    ),
    "demo": (
        "elt_project.cli.demo_commands",
        "demo",
        "Create the demo domain (Sales and Inventory pipelines, rules, two years of history).",
    ),
    "start": (
        "elt_project.cli.service_commands",
        "start",
        "Prepare the warehouse and start every service; Ctrl+C stops them all.",
    ),
    "stop": (
        "elt_project.cli.service_commands",
        "stop",
        "Stop the running product (started by `python3 launch.py`, in any window).",
    ),
    "user": (
        "elt_project.cli.user_commands",
        "user_group",
        "Accounts and roles (user < analyst < steward < admin) and pipeline permissions.",
    ),
    "scraper": (
        "elt_project.cli.scraper_commands",
        "scraper_group",
        "Develop scraper configs (web, Selenium, SFTP) before they go into elt_pipeline_configs.",
    ),
    "ask": (
        "elt_project.cli.ask_commands",
        "ask_command",
        "Answer a plain-English QUESTION with safe, read-only SQL.",
    ),
    "sql": (
        "elt_project.cli.ask_commands",
        "sql_command",
        "Run one SELECT through the hub's safety checks on a read-only connection.",
    ),
    "search": (
        "elt_project.cli.search_commands",
        "search_command",
        "Find tables, columns and rows by meaning (the index is refreshed when data is loaded).",
    ),
    "steward": (
        "elt_project.cli.steward_commands",
        "steward_group",
        "Tables stewards may edit, reviewed change files, and the audit log.",
    ),
    "glossary": (
        "elt_project.cli.glossary_commands",
        "glossary_group",
        "Business terms mapped to a column, a filter or an expression.",
    ),
    "analytics": (
        "elt_project.cli.analytics_commands",
        "analytics",
        'Forecasts, anomalies, "why did it change", stories and dashboards.',
    ),
    "reload": (
        "elt_project.orchestration.cli_commands",
        "reload_command",
        "Reload the Dagster code location so config rows added or changed since the last load show up.",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module when that subcommand is looked up.

    It also turns the project's own errors into one line on stderr and exit status 1,
    never a traceback.
    """

    def __init__(self, *args, lazy: dict[str, tuple[str, str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute, _help = self.lazy[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table, so ``elt --help`` imports no command module."""
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self.commands:
                text = click.Command(name, help=self.lazy[name][2]).get_short_help_str(limit)
            else:
                text = self.commands[name].get_short_help_str(limit)
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EltError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=LazyGroup, lazy=COMMANDS)
def main() -> None:
    """Metadata-driven ELT: pipelines are rows in elt_pipeline_configs."""
