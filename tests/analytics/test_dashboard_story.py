"""Profiling, chart choice and the written story on real SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from elt_project.analytics.charts import chart_figure
from elt_project.analytics.dashboard import build_dashboard
from elt_project.analytics.profile import profile_table
from elt_project.analytics.story import table_story
from elt_project.cli import main
from elt_project.db import schema
from tests.analytics.signals import CHANNELS, REGIONS, add_analytics_config, create_sales

START = dt.date(2025, 1, 1)


def _sales(days: int = 28, seed: int = 4, west_online_from: int | None = None) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        day = START + dt.timedelta(days=d)
        for region in REGIONS:
            for channel in CHANNELS:
                count = 10
                if west_online_from is not None and d >= west_online_from and (region, channel) == ("West", "Online"):
                    count = 1
                for _ in range(count):
                    rows.append(
                        {
                            "order_date": day,
                            "region": region,
                            "channel": channel,
                            "amount": round(float(rng.uniform(10, 30)), 2),
                        }
                    )
    return rows


def test_profile_reads_roles_ranges_and_spread(engine):
    rows = _sales(days=10)
    rows[0]["region"] = None
    create_sales(engine, rows)
    profile = profile_table(engine, "sales")
    roles = {c.name: c.role for c in profile.columns}
    assert roles == {
        "order_id": "identifier",
        "order_date": "date",
        "region": "dimension",
        "channel": "dimension",
        "amount": "measure",
    }
    by_name = {c.name: c for c in profile.columns}
    assert profile.rows == len(rows) and by_name["region"].nulls == 1 and by_name["region"].distinct == 4
    assert by_name["order_date"].minimum == START and by_name["order_date"].maximum == START + dt.timedelta(days=9)
    amounts = np.array([r["amount"] for r in rows])
    assert by_name["amount"].mean == pytest.approx(amounts.mean(), rel=1e-6)
    assert by_name["amount"].stddev == pytest.approx(amounts.std(), rel=1e-3)


def test_dashboard_chooses_charts_like_an_xray_with_a_reason_each(engine):
    create_sales(engine, _sales())
    board = build_dashboard(engine, "sales")
    kinds = [c.kind for c in board.charts]
    assert kinds == ["timeseries", "bar", "bar", "histogram", "heatmap"]
    assert [k.label for k in board.kpis] == ["Rows", "Total amount", "order date: 2025-01-01 to 2025-01-28"]
    assert board.kpis[-1].value == "28 days"
    series = board.charts[0]
    assert len(series.data) == 28 and "daily" in series.reason  # 28 days: daily, not weekly
    total = sum(r["amount"] for r in _sales())
    assert series.data[series.y].sum() == pytest.approx(total)
    bars = {c.x: c for c in board.charts if c.kind == "bar"}
    assert set(bars) == {"region", "channel"} and "has 3 values" in bars["channel"].reason
    histogram = next(c for c in board.charts if c.kind == "histogram")
    assert histogram.data["rows"].sum() == len(_sales())
    heatmap = board.charts[-1]
    assert len(heatmap.data) == 12 and heatmap.data[heatmap.z].sum() == pytest.approx(total)
    for chart in board.charts:
        assert chart.reason and chart_figure(chart).data


def test_story_names_the_mover_and_the_forecast(engine, settings):
    create_sales(engine, _sales(days=42, west_online_from=35))
    add_analytics_config(engine, model_type="forecast")
    text = table_story(engine, "sales").text
    assert text.startswith("In the 7 days to 2025-02-11, amount fell")
    assert "The biggest movers were region West × channel Online (-" in text
    assert "forecast" not in text  # no forecast stored yet
    with engine.begin() as conn:
        conn.execute(
            schema.analytics_predictions.insert(),
            [
                {
                    "config_id": 1,
                    "target_table": "sales",
                    "model_type": "forecast",
                    "prediction_date": dt.datetime(2025, 2, 12) + dt.timedelta(days=i),
                    "predicted_value": 1e9,
                }
                for i in range(7)
            ],
        )
    assert "The forecast for the next 7 days points up" in table_story(engine, "sales").text


def test_cli_story_and_dashboard(engine, database_url, monkeypatch):
    create_sales(engine, _sales(days=14))
    monkeypatch.setenv("DATABASE_URL", database_url)
    story = CliRunner().invoke(main, ["analytics", "story", "sales"])
    assert story.exit_code == 0 and story.output.startswith("In the 7 days to 2025-01-14, amount")
    board = CliRunner().invoke(main, ["analytics", "dashboard", "sales"])
    assert board.exit_code == 0 and "heatmap" in board.output and "region (dimension" in board.output
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.analytics_predictions)).scalar() == 0


def test_weekly_line_leaves_out_partial_weeks_and_prices_are_averaged(engine):
    columns = [sa.Column("day", sa.Date), sa.Column("quantity", sa.Integer), sa.Column("unit_price", sa.Float),
               sa.Column("amount", sa.Float)]  # fmt: skip
    table = sa.Table("orders", sa.MetaData(), sa.Column("order_id", sa.Integer, primary_key=True), *columns)
    table.create(engine)
    start = dt.date(2025, 1, 1)  # a Wednesday: the first week is partial, and so is the last
    rows = [{"order_id": i + 1, "day": start + dt.timedelta(days=i), "quantity": 3, "unit_price": 2.0 + i % 2,
             "amount": 100.0} for i in range(120)]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    board = build_dashboard(engine, "orders")
    series = board.charts[0]
    weeks = series.data["date"]
    assert series.kind == "timeseries" and "weekly" in series.reason and "left out" in series.reason
    assert weeks.min() == pd.Timestamp("2025-01-06") and (weeks + pd.Timedelta(days=6)).max() <= pd.Timestamp(
        start + dt.timedelta(days=119)
    )
    assert set(series.data[series.y]) == {700.0}  # every week shown is a whole one
    kpis = {k.label: k.value for k in board.kpis}
    assert kpis["Average unit price"] == "2.50" and kpis["Total amount"] == "12,000.00"
    assert kpis["Total quantity"] == "360"  # a count of items, without decimals
