"""What-if scenarios on data whose right answer is known in closed form, on both warehouses."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import sqlalchemy as sa

from elt_project.analytics.whatif.goal import seek
from elt_project.analytics.whatif.model import run_scenario
from elt_project.analytics.whatif.spec import Goal, ScenarioSpec, parse_change, parse_goal
from elt_project.analytics.whatif.store import (
    compare_with_actual,
    comparison_summary,
    get_scenario,
    list_scenarios,
    save_scenario,
)
from elt_project.auth.accounts import Account
from elt_project.errors import ConfigurationError
from elt_project.settings import project_root
from tests.config_rows import insert_config

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels on perfectly flat series

START = dt.date(2026, 1, 1)
DAYS = 56
#: Amount per day of each (region, channel): West x Online is a quarter of West, the total is 1000.
DAILY = {("North", "Online"): 200.0, ("North", "Retail"): 300.0, ("West", "Online"): 100.0,
         ("West", "Retail"): 200.0, ("West", "Partner"): 200.0}  # fmt: skip
TOTAL = sum(DAILY.values())


def _table(engine, name: str = "orders") -> sa.Table:
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_date", sa.Date),
        sa.Column("region", sa.String(20)),
        sa.Column("channel", sa.String(20)),
        sa.Column("amount", sa.Float),
    )
    table.create(engine)
    return table


def flat_orders(engine, days: int = DAYS, noise: float = 0.0, seed: int = 1) -> sa.Table:
    """Two rows a day per cell, each half the cell's daily amount (plus optional noise)."""
    table = _table(engine)
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        for (region, channel), amount in DAILY.items():
            for _ in range(2):
                value = amount / 2 + (rng.normal(0, noise) if noise else 0.0)
                rows.append({"order_date": START + dt.timedelta(d), "region": region, "channel": channel,
                             "amount": value})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    return table


def _spec(*changes: str, goal: str | None = None, horizon: int = 28) -> ScenarioSpec:
    return ScenarioSpec(
        "orders", "amount", "order_date", horizon, tuple(parse_change(c) for c in changes),
        parse_goal(goal) if goal else None,
    )  # fmt: skip


def test_a_volume_change_adds_its_percent_of_the_segments_share(engine):
    flat_orders(engine)
    start = START + dt.timedelta(DAYS + 7)  # a week into the forecast
    result = run_scenario(engine, _spec(f"channel=Online:volume:+10%:{start}"))
    daily = result.daily()
    online_share = (DAILY[("North", "Online")] + DAILY[("West", "Online")]) / TOTAL
    assert daily["baseline"].to_numpy() == pytest.approx(TOTAL, rel=1e-6)
    before = daily[daily["date"] < str(start)]
    after = daily[daily["date"] >= str(start)]
    assert len(before) == 7 and before["scenario"].to_numpy() == pytest.approx(TOTAL, rel=1e-6)
    assert (after["scenario"] / after["baseline"] - 1).to_numpy() == pytest.approx(0.10 * online_share, rel=1e-6)
    [row] = result.changes_frame().to_dict("records")
    assert row["effect"] == pytest.approx(0.10 * 300.0 * len(after), rel=1e-6)
    assert result.by_kind() == pytest.approx({"volume": 0.10 * 300.0 * len(after), "rate": 0.0}, rel=1e-6)
    assert result.data_through == START + dt.timedelta(DAYS - 1)


def test_dropping_a_segment_removes_exactly_its_share_and_overlaps_count_once(engine):
    flat_orders(engine)
    dropped = run_scenario(engine, _spec("channel=Partner:drop"))
    assert dropped.totals()["difference"] == pytest.approx(-200.0 * 28, rel=1e-6)
    # West rate -5% and Online volume +10% overlap on West x Online: volume first, then price at the new volume.
    both = run_scenario(engine, _spec("region=West:rate:-5%", "channel=Online:volume:+10%"))
    effects = both.changes_frame().set_index("segment")["effect"]
    assert effects["channel=Online"] == pytest.approx(0.10 * 300.0 * 28, rel=1e-6)
    assert effects["region=West"] == pytest.approx(-0.05 * (400.0 + 100.0 * 1.1) * 28, rel=1e-6)
    assert both.totals()["difference"] == pytest.approx(effects.sum(), rel=1e-9)
    assert any("no units column" in note for note in both.notes)


def test_goal_seek_finds_the_growth_that_meets_the_target_and_its_band_range(engine):
    flat_orders(engine, noise=15.0)
    by = START + dt.timedelta(DAYS + 20)
    spec = _spec("channel=Partner:drop", goal=f"channel=Online:24360:{by}:total")
    result = run_scenario(engine, spec)
    answer = seek(result, spec.goal)
    assert answer.days == 21
    assert answer.growth_at_upper < answer.growth < answer.growth_at_lower
    # Applying the answer as a volume change meets the target within a cent.
    check = run_scenario(engine, _spec("channel=Partner:drop", f"channel=Online:volume:{answer.growth * 100}%"))
    window = check.daily()["date"] <= str(by)
    assert check.daily()["scenario"][window].sum() == pytest.approx(24360.0, abs=0.01)
    # Without growth the total is the forecast of what is left: about 800 a day, and Online 300 of it.
    assert answer.expected == pytest.approx(800.0 * 21, rel=0.05)
    assert answer.growth == pytest.approx(1.2, abs=0.1)  # 21 * (500 + 300 * (1 + g)) = 24360
    # A target the rest of the table meets alone needs no Online at all, and says so.
    easy = seek(result, Goal("channel", "Online", 1000.0, by, "total"))
    assert easy.growth < -1 and "is met even without channel=Online" in easy.sentence()


def test_save_list_and_compare_with_the_actual_days_loaded_since(engine):
    flat_orders(engine, days=DAYS)
    result = run_scenario(engine, _spec("channel=Online:volume:+10%", horizon=14))
    analyst = Account("ann", "analyst")
    save_scenario(engine, result, "Online push", analyst)
    with pytest.raises(ConfigurationError, match="exists already"):
        save_scenario(engine, result, "Online push", analyst)
    with pytest.raises(ConfigurationError, match="needs the analyst role"):
        save_scenario(engine, result, "by a user", Account("uma", "user"))
    [listed] = list_scenarios(engine, Account("uma", "user"))
    assert (listed.name, listed.created_by, listed.data_through) == ("Online push", "ann", result.data_through)
    assert listed.spec["changes"][0]["percent"] == 10.0 and "holt_winters" in listed.model or listed.model
    saved = get_scenario(engine, "Online push", None)
    assert compare_with_actual(engine, saved).empty
    # A week more of data arrives, with Online really 10% up: the scenario is the nearer.
    table = sa.Table("orders", sa.MetaData(), autoload_with=engine)
    rows = [
        {"order_date": START + dt.timedelta(DAYS + d), "region": r, "channel": c,
         "amount": amount * (1.1 if c == "Online" else 1.0)}
        for d in range(7) for (r, c), amount in DAILY.items()
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    compared = compare_with_actual(engine, saved)
    assert len(compared) == 7 and compared["actual"].to_numpy() == pytest.approx(TOTAL + 30.0)
    summary = comparison_summary(compared)
    assert summary["nearer"] == "scenario" and summary["actual"] == pytest.approx(7 * 1030.0)


def test_change_and_goal_strings_parse_and_refuse_clearly():
    change = parse_change("region=West:price:-5%:2026-03-01")
    assert (change.kind, change.percent, change.start) == ("rate", -5.0, dt.date(2026, 3, 1))
    assert parse_change("note=a:b:drop").value == "a:b"
    with pytest.raises(ConfigurationError, match="no percent"):
        parse_change("region=West:volume")
    with pytest.raises(ConfigurationError, match="Unknown change kind"):
        parse_change("region=West:grow:5%")
    goal = parse_goal("channel=Online:1,000,000:2026-12-31")
    assert (goal.target, goal.scope) == (1_000_000.0, "segment")


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # one real process is enough
def test_elt_analytics_whatif_json_in_a_real_process(engine, settings):
    flat_orders(engine)
    env = {**os.environ, "DATABASE_URL": settings.database_url.get_secret_value(),
           "ELT_DATA_DIR": str(settings.data_dir), "PYTHONPATH": str(project_root())}  # fmt: skip
    command = [sys.executable, "-m", "elt_project.cli", "analytics", "whatif", "--table", "orders",
               "--measure", "amount", "--date-column", "order_date", "--horizon", "14",
               "--change", "channel=Partner:drop", "--save", "no partner", "--json"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["totals"]["difference"] == pytest.approx(-200.0 * 14, rel=1e-6)
    assert payload["saved_as"] == "no partner" and len(payload["daily"]) == 14
    listed = subprocess.run([sys.executable, "-m", "elt_project.cli", "analytics", "scenarios", "list", "--json"],
                            capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert [row["name"] for row in json.loads(listed.stdout)] == ["no partner"]
    bad = subprocess.run([*command[:-3], "--change", "channel=Partner:grow:5%"], capture_output=True, text=True,
                         env=env, timeout=120)  # fmt: skip
    assert bad.returncode == 1 and "Unknown change kind" in bad.stderr and "Traceback" not in bad.stderr


def test_a_price_change_leaves_a_units_measure_alone_and_moves_the_amount(engine):
    table = sa.Table(
        "shipments", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("ship_date", sa.Date),
        sa.Column("region", sa.String(10)), sa.Column("quantity", sa.Integer), sa.Column("amount", sa.Float),
    )  # fmt: skip
    table.create(engine)
    rows = [{"ship_date": START + dt.timedelta(d), "region": r, "quantity": 10, "amount": 50.0}
            for d in range(DAYS) for r in ("East", "West")]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)

    def spec(measure: str) -> ScenarioSpec:
        return ScenarioSpec("shipments", measure, "ship_date", 10, (parse_change("region=West:rate:+20%"),))

    units = run_scenario(engine, spec("quantity"))
    assert units.totals()["difference"] == pytest.approx(0.0, abs=1e-6)
    assert any("counts units" in note for note in units.notes)
    amount = run_scenario(engine, spec("amount"))
    assert amount.totals()["difference"] == pytest.approx(0.2 * 50.0 * 10, rel=1e-6)
    assert any("per unit of quantity" in note for note in amount.notes)


def test_scenarios_show_and_compare_and_grants_on_the_command_line(engine, settings):
    from click.testing import CliRunner

    from elt_project.auth import permissions
    from elt_project.cli import main

    flat_orders(engine)
    insert_config(engine, pipeline_name="Sales", import_name="orders_csv", destination_table="orders",
                  staging_table="stg_orders", monitored_directory="/inbox")  # fmt: skip
    save_scenario(engine, run_scenario(engine, _spec("channel=Partner:drop", horizon=7)), "plan", None)
    env = {"DATABASE_URL": settings.database_url.get_secret_value(), "ELT_DATA_DIR": str(settings.data_dir)}
    shown = CliRunner().invoke(main, ["analytics", "scenarios", "show", "plan"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "saved by warehouse owner" in shown.stdout and "drop channel=Partner" in shown.stdout
    compared = CliRunner().invoke(main, ["analytics", "scenarios", "compare", "plan", "--json"], env=env)
    assert json.loads(compared.stdout)["summary"]["days"] == 0
    outsider = Account("olga", "analyst")
    from elt_project.auth.accounts import create_user

    create_user(engine, outsider.username, "correct-horse-9", "analyst")
    permissions.grant(engine, outsider.username, "Finance")
    refused = CliRunner().invoke(main, ["analytics", "scenarios", "show", "plan", "--as", "olga"], env=env)
    assert refused.exit_code == 1 and "no saved scenario named 'plan' open to you" in refused.stderr
    listed = CliRunner().invoke(main, ["analytics", "scenarios", "list", "--as", "olga", "--json"], env=env)
    assert json.loads(listed.stdout) == []
