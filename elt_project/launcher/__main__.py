"""``python -m elt_project.launcher``: the same command as ``elt start``, reached without the whole CLI.

``launch.py`` uses this entry because loading every ``elt`` subcommand (Dagster's
among them) costs seconds on every start, before the first service can begin.
"""

from __future__ import annotations

import sys

import click

from elt_project.errors import EltError
from elt_project.launcher.command import start


def main() -> None:
    try:
        start.main(prog_name="elt start")
    except EltError as exc:  # as the `elt` group does: one sentence, no traceback
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
