"""``elt freshness [--json]``: every import's last arrival, when its next file is due, and its state.

The same assessment the ``freshness_sensor`` makes every five minutes
(:func:`elt_project.pipeline.freshness.freshness_report`); this module reads the
configs and prints. Late imports are printed in red.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from elt_project.cli.context import cli_engine, cli_settings
from elt_project.config.repository import load_pipeline_configs

COLORS = {"late": "red", "too_small": "yellow", "on_time": "green"}


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


@click.command("freshness")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def freshness_command(as_json: bool) -> None:
    """List every active import's last arrival, expected next arrival and state (on time, late, too small)."""
    from elt_project.pipeline.freshness import freshness_report

    engine = cli_engine(cli_settings())
    configs, problems = load_pipeline_configs(engine)
    reports = freshness_report(engine, configs, datetime.now(UTC))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], indent=2))
        return
    if not reports:
        click.echo("No active imports; add rows to elt_pipeline_configs (see docs/pipelines.md).")
    width = max([len(r.import_name) for r in reports] + [6])
    click.echo(f"{'IMPORT':<{width}}  {'STATE':<10}  {'LAST ARRIVAL (UTC)':<18}  {'EXPECTED BY (UTC)':<18}  ROWS")
    for r in reports:
        rows = f"{r.last_arrival.rows:,}" if r.last_arrival and r.last_arrival.rows is not None else "-"
        line = (
            f"{r.import_name:<{width}}  {r.state:<10}  {_when(r.last_arrival.at if r.last_arrival else None):<18}  "
            f"{_when(r.expected_by):<18}  {rows}"
        )
        click.secho(line, fg=COLORS.get(r.state))
    for r in reports:
        if r.state in ("late", "too_small"):
            click.secho(f"{r.import_name}: {r.reason}", fg=COLORS[r.state])
    for problem in problems:
        click.secho(f"Skipped: {problem}", fg="yellow", err=True)


COMMANDS = [freshness_command]
