"""``elt analytics``: the batch models, root cause, stories, auto-dashboards and what-if scenarios."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from elt_project.cli.context import cli_engine, cli_settings
from elt_project.cli.whatif_commands import scenarios, whatif
from elt_project.errors import ConfigurationError


@click.group("analytics")
def analytics() -> None:
    """Forecasts, anomalies, "why did it change", stories and dashboards."""


@analytics.command("run")
@click.option("--config", "config_id", type=int, default=None, help="Only this analytics_config id.")
@click.option(
    "--horizon",
    type=click.IntRange(1, 3660),
    default=None,
    help="Days to forecast past the newest data (default: FORECAST_HORIZON_DAYS, 30).",
)
def run(config_id: int | None, horizon: int | None) -> None:
    """Run the batch models for every active analytics_config row (as the daily Dagster asset does)."""
    from elt_project.analytics.forecasting import ForecastOptions
    from elt_project.analytics.predictive import run_predictive_analytics

    settings = cli_settings()
    options = ForecastOptions(horizon=horizon or settings.forecast_horizon_days)
    report = run_predictive_analytics(cli_engine(settings), settings, config_id=config_id, options=options)
    if not report.outcomes:
        click.echo("No active analytics_config rows; add one in the hub's configuration page.")
    for outcome in report.outcomes:
        click.echo(outcome.line())
    if report.failed:
        sys.exit(1)


@analytics.command("models")
def models() -> None:
    """List the registered model types (the values analytics_config.model_type accepts)."""
    from elt_project.analytics.models import get_model, model_names

    for name in model_names():
        click.echo(f"{name}: {get_model(name).description}")


def _day(_ctx, _param, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as YYYY-MM-DD.") from None


@analytics.command("why")
@click.argument("table")
@click.argument("measure")
@click.argument("date", callback=_day)
@click.option(
    "--baseline",
    type=click.Choice(["previous_day", "same_day_last_week", "previous_period"]),
    default="same_day_last_week",
    show_default=True,
)
@click.option("--end", callback=_day, default=None, help="Last day of a longer period (default: DATE alone).")
@click.option("--date-column", default=None, help="The table's date column (default: guessed).")
@click.option("--top", default=10, show_default=True, help="How many drivers to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def why(table, measure, date, baseline, end, date_column, top, as_json) -> None:
    """Explain the change of MEASURE in TABLE on DATE: the segments that drove it, best first."""
    from elt_project.analytics.root_cause import breakdown, explain_change, summary

    engine = cli_engine(cli_settings())
    result = explain_change(
        engine, table, measure, date, baseline=baseline, end=end, date_column=date_column, max_drivers=top
    )
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    click.echo(summary(result))
    click.echo(f"\n{'segment':<40} {'change':>14} {'share':>8} {'kind':>7} {'surprise':>9}")
    for driver in result.drivers:
        click.echo(
            f"{driver.label():<40} {driver.change:>14,.2f} {driver.contribution:>8.0%} "
            f"{driver.kind:>7} {driver.score:>9.1f}"
        )
    click.echo("\nThe change, split over segments that share no rows:")
    for label, change, share in breakdown(result):
        click.echo(f"  {label:<38} {change:>14,.2f} {share:>8.0%}")
    for name, reason in result.left_out.items():
        click.echo(f"Not split by {name}: {reason}.")


@analytics.command("story")
@click.argument("table")
@click.option("--measure", default=None, help="Numeric column to tell about (default: the configured one).")
@click.option("--days", default=7, show_default=True, help="Length of the period.")
@click.option("--plain", is_flag=True, help="The template wording, even when a language model is configured.")
def story(table, measure, days, plain) -> None:
    """Print a short written story of what changed in TABLE's last period."""
    from elt_project.analytics import llm_refine
    from elt_project.analytics.story import table_story

    if days < 1:
        raise ConfigurationError("--days must be 1 or more.")
    settings = cli_settings()
    engine = cli_engine(settings)
    told = table_story(engine, table, measure=measure, period_days=days)
    llm = None if plain else llm_refine.refinement_model(engine, settings, sees_data=True)
    if llm is not None:
        click.echo(llm_refine.polish_story(told, llm).note, err=True)
    click.echo(told.text)


@analytics.command("dashboard")
@click.argument("table")
@click.option("--plain", is_flag=True, help="The profile rules' choice, even when a language model is configured.")
def dashboard(table, plain) -> None:
    """Profile TABLE and list the charts an auto-dashboard would show, each with its reason."""
    from elt_project.analytics import llm_refine
    from elt_project.analytics.dashboard import build_dashboard

    settings = cli_settings()
    engine = cli_engine(settings)
    board = build_dashboard(engine, table)
    if not plain:
        arranged = llm_refine.refine_dashboard(board, llm_refine.refinement_model(engine, settings, sees_data=False))
        click.echo(arranged.note)
    click.echo(f"{board.profile.table}: {board.profile.rows:,} rows")
    for column in board.profile.columns:
        click.echo(f"  {column.describe()}")
    for kpi in board.kpis:
        click.echo(f"KPI {kpi.label}: {kpi.value}")
    for chart in board.charts:
        click.echo(f"{chart.kind:<10} {chart.title}: {chart.reason}")


analytics.add_command(whatif)
analytics.add_command(scenarios)

COMMANDS = [analytics]
