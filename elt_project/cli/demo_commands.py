"""``elt demo``: install the demo sales domain into the warehouse."""

from __future__ import annotations

import click

from elt_project.cli.context import cli_engine, cli_settings


@click.command("demo")
def demo() -> None:
    """Create the demo domain (Sales and Inventory pipelines, rules, two years of history). Idempotent."""
    from elt_project.analytics.search.freshness import refresh_when_landed
    from elt_project.demo.install import install_demo

    settings = cli_settings()
    engine = cli_engine(settings)
    report = install_demo(engine, settings)
    click.echo(f"Demo installed in {settings.describe_warehouse()}:")
    for line in report.lines():
        click.echo(f"  {line}")
    indexed = refresh_when_landed(engine, settings, None, build=True)  # built now, so the first search only ranks
    if indexed is not None:
        click.echo(f"  {indexed.summary()}")


COMMANDS = [demo]
