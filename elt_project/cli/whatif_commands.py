"""``elt analytics whatif`` and ``elt analytics scenarios``: what-if scenarios from the command line.

Registered on the ``analytics`` group by :mod:`elt_project.cli.analytics_commands`.
"""

from __future__ import annotations

import json

import click

from elt_project.cli.context import cli_account, cli_engine, cli_settings


@click.command("whatif")
@click.option("--table", required=True, help="The table holding the measure.")
@click.option("--measure", required=True, help="Numeric column summed per day.")
@click.option("--date-column", default=None, help="The table's date column (default: guessed).")
@click.option("--horizon", type=click.IntRange(1, 730), default=90, show_default=True, help="Days to forecast.")
@click.option("--change", "changes", multiple=True, help="DIM=VALUE:KIND[:PCT%][:YYYY-MM-DD]; repeat for more.")
@click.option("--goal", default=None, help="DIM=VALUE:TARGET:YYYY-MM-DD[:total]: the growth that meets TARGET.")
@click.option("--save", "save_as", default=None, help="Save the scenario under this name.")
@click.option("--as", "username", default=None, help="Run as this account: its grants, and its name on --save.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def whatif(table, measure, date_column, horizon, changes, goal, save_as, username, as_json) -> None:
    """Forecast MEASURE of TABLE with and without changes to segments, and seek a goal."""
    from elt_project.analytics.whatif import goal as goal_seek
    from elt_project.analytics.whatif.model import run_scenario
    from elt_project.analytics.whatif.spec import ScenarioSpec, parse_change, parse_goal
    from elt_project.analytics.whatif.store import check_readable, save_scenario

    engine = cli_engine(cli_settings())
    account = cli_account(engine, username)
    check_readable(engine, account, table)
    spec = ScenarioSpec(
        table=table,
        measure=measure,
        date_column=date_column,
        horizon=horizon,
        changes=tuple(parse_change(c) for c in changes),
        goal=parse_goal(goal) if goal else None,
    )
    result = run_scenario(engine, spec)
    payload = result.to_json()
    if spec.goal:
        payload["goal"] = goal_seek.seek(result, spec.goal).to_json()
    if save_as:
        save_scenario(engine, result, save_as, account)
        payload["saved_as"] = save_as
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    _print(payload)


def _print(payload: dict) -> None:
    totals, basis = payload["totals"], payload["basis"]
    click.echo(f"Forecast basis: data through {basis['data_through']}, model {basis['model']}.")
    for note in payload["notes"]:
        click.echo(f"Note: {note}")
    click.echo(
        f"Baseline {totals['baseline']:,.2f} ({totals['baseline_lower']:,.2f} to {totals['baseline_upper']:,.2f}); "
        f"scenario {totals['scenario']:,.2f} ({totals['scenario_lower']:,.2f} to {totals['scenario_upper']:,.2f}); "
        f"difference {totals['difference']:+,.2f}."
    )
    for row in payload["by_change"]:
        click.echo(f"  {row['change']:<50} {row['effect']:>+16,.2f}")
    click.echo(f"  volume {payload['by_kind']['volume']:+,.2f}, rate {payload['by_kind']['rate']:+,.2f}")
    if "goal" in payload:
        click.echo(payload["goal"]["answer"])
    if "saved_as" in payload:
        click.echo(f"Saved as '{payload['saved_as']}'.")


@click.group("scenarios")
def scenarios() -> None:
    """Saved what-if scenarios: list, show, and compare with what happened since."""


@scenarios.command("list")
@click.option("--as", "username", default=None, help="Only scenarios on tables this account may read.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def list_command(username, as_json) -> None:
    """List saved scenarios, newest first."""
    from elt_project.analytics.whatif.store import list_scenarios

    engine = cli_engine(cli_settings())
    found = list_scenarios(engine, cli_account(engine, username))
    rows = [
        {
            "name": s.name,
            "table": s.table,
            "measure": s.measure,
            "created_by": s.created_by,
            "created_at": s.created_at.isoformat(timespec="seconds"),
            "data_through": s.data_through.isoformat(),
            "model": s.model,
        }
        for s in found
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No saved scenarios yet; save one with `python3 launch.py elt analytics whatif ... --save NAME`.")
    for row in rows:
        click.echo(
            f"{row['name']}: {row['table']}.{row['measure']} by {row['created_by']} at {row['created_at']} "
            f"(data through {row['data_through']})"
        )


@scenarios.command("show")
@click.argument("name")
@click.option("--as", "username", default=None, help="Read as this account (its grants apply).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored scenario as JSON.")
def show_command(name, username, as_json) -> None:
    """Print the saved scenario NAME as it was computed."""
    from elt_project.analytics.whatif.store import get_scenario

    engine = cli_engine(cli_settings())
    saved = get_scenario(engine, name, cli_account(engine, username))
    if as_json:
        click.echo(json.dumps(saved.result, indent=2))
        return
    click.echo(f"{saved.name}: saved by {saved.created_by} at {saved.created_at.isoformat(timespec='seconds')}")
    _print(saved.result)


@scenarios.command("compare")
@click.argument("name")
@click.option("--as", "username", default=None, help="Read as this account (its grants apply).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare_command(name, username, as_json) -> None:
    """Compare the saved scenario NAME with the actual days loaded since its forecast basis."""
    from elt_project.analytics.whatif.store import compare_with_actual, comparison_summary, get_scenario

    engine = cli_engine(cli_settings())
    saved = get_scenario(engine, name, cli_account(engine, username))
    compared = compare_with_actual(engine, saved)
    summary = comparison_summary(compared)
    if as_json:
        days = [
            {k: (v.date().isoformat() if k == "date" else round(float(v), 6)) for k, v in row.items()}
            for row in compared.to_dict("records")
        ]
        click.echo(json.dumps({"name": saved.name, "summary": summary, "days": days}, indent=2))
        return
    click.echo(summary["answer"])
    for row in compared.itertuples(index=False):
        click.echo(f"  {row.date.date()}  actual {row.actual:>14,.2f}  baseline {row.baseline:>14,.2f}  "
                   f"scenario {row.scenario:>14,.2f}")  # fmt: skip
