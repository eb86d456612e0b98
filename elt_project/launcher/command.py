"""``elt start`` and ``elt stop``: set everything up and run the services until stopped; stop them.

The command lives here rather than under ``elt_project/cli`` so ``launch.py`` can reach
it (``python -m elt_project.launcher``) without loading every other subcommand.
"""

from __future__ import annotations

import re
import sys

import click

from elt_project.launcher.start import StartOptions, run_start


def _parse_step(value: str | None) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", value or "")
    return (int(match.group(1)), int(match.group(2))) if match else (1, 5)


@click.command("start")
@click.option("--no-demo", is_flag=True, help="Do not install the demo on an empty embedded warehouse.")
@click.option("--setup-only", is_flag=True, help="Prepare configuration, login and warehouse, then exit.")
@click.option("--dev", is_flag=True, help="Open the full Dagster UI (for administrators) instead of the Data Importer.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser (servers, scheduled starts, tests).")
@click.option("--step", hidden=True, help="Number of the first step and the total, e.g. 4/8 (set by launch.py).")
def start(no_demo: bool, setup_only: bool, dev: bool, no_browser: bool, step: str | None) -> None:
    """Prepare the warehouse and start every service; Ctrl+C stops them all."""
    first, total = _parse_step(step)
    options = StartOptions(
        demo=not no_demo,
        setup_only=setup_only,
        dev=dev,
        open_browser=not no_browser,
        first_step=first,
        total_steps=total,
    )
    sys.exit(run_start(options))


@click.command("stop")
def stop() -> None:
    """Stop the running product (started by `python3 launch.py`, in any window)."""
    from elt_project.launcher.runstate import state_path, stop_recorded
    from elt_project.settings import load_settings

    for line in stop_recorded(state_path(load_settings())):
        click.echo(line)
