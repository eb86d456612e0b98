"""``elt`` starts fast: the group imports a command's module only when that command runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click

from elt_project.cli import COMMANDS, main

HEAVY = ("dagster", "pandas", "pyarrow", "sqlglot", "numpy", "sklearn", "statsmodels")


def _modules_after(code: str) -> set[str]:
    """The top-level packages loaded by ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=dict(os.environ)
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library():
    loaded = _modules_after("import elt_project.cli")
    assert "click" in loaded  # the probe does see what was imported
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def test_help_and_the_ask_and_sql_commands_load_no_dagster_pandas_or_pyarrow():
    code = (
        "from click.testing import CliRunner\n"
        "from elt_project.cli import main\n"
        "for args in (['--help'], ['ask', '--help'], ['sql', '--help'], ['analytics', 'why', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0, args\n"
    )
    loaded = _modules_after(code)
    assert loaded.isdisjoint({"dagster", "pandas", "pyarrow", "sqlglot"}), loaded


def test_every_listed_command_loads_and_its_help_line_matches_its_docstring():
    for name, (_module, _attribute, line) in COMMANDS.items():
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.name == name
        assert command.get_short_help_str(500) == line, name


def test_help_lists_every_command():
    from click.testing import CliRunner

    output = CliRunner().invoke(main, ["--help"]).output
    listed = [line.split()[0] for line in output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)


def test_each_group_has_all_its_subcommands_without_importing_the_other_modules():
    """A subcommand added to a group from another module would vanish when only its group's module loads."""
    code = (
        "import importlib, json, click\n"
        "from elt_project.cli import COMMANDS, main\n"
        "def subcommands():\n"
        "    found = {}\n"
        "    for name in COMMANDS:\n"
        "        command = main.get_command(click.Context(main), name)\n"
        "        if isinstance(command, click.Group):\n"
        "            found[name] = sorted(command.commands)\n"
        "    return found\n"
        "alone = subcommands()\n"
        "for module, _attribute, _line in COMMANDS.values():\n"
        "    importlib.import_module(module)\n"
        "print(json.dumps([alone, subcommands()]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ)
    ).stdout
    alone, everything = json.loads(out.strip().splitlines()[-1])
    assert "script" in alone["db"]
    assert alone == everything
