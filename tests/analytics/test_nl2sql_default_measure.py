"""The measure a question means when it names none ("top 3 drivers", "who paid the most"), on schemas
that are not the demo: the glossary's term first, else the measure closest in meaning to money, else
a one-sentence refusal. Expected rows are computed here from the inserted rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from elt_project.analytics import glossary
from elt_project.analytics.nl2sql import answer_offline, ask_context
from elt_project.analytics.nl2sql.parser import NotUnderstood
from elt_project.analytics.search import minilm

TODAY = date(2026, 6, 15)
DRIVERS = {"D1": "Ana", "D2": "Bo", "D3": "Cy", "D4": "Di"}
TRIPS = [
    {"trip_date": date(2026, 1, 1) + timedelta(days=n), "driver_id": f"D{n % 4 + 1}",
     "distance_km": Decimal(40 - n if n % 4 == 3 else 5 + n), "fee": Decimal(3 * n % 17 + 1), "passengers": n % 3 + 1}
    for n in range(24)
]  # fmt: skip

ALLOWED = {"drivers", "trips", "readings", "stations"}
needs_model = pytest.mark.skipif(not minilm.available(), reason="the MiniLM model package is not installed")


@pytest.fixture
def trips(engine):
    meta = sa.MetaData()
    drivers = sa.Table(
        "drivers", meta, sa.Column("driver_id", sa.String(4), primary_key=True), sa.Column("name", sa.String(8))
    )
    table = sa.Table(
        "trips", meta, sa.Column("trip_date", sa.Date), sa.Column("driver_id", sa.String(4)),
        sa.Column("distance_km", sa.Numeric(8, 1)), sa.Column("fee", sa.Numeric(8, 2)),
        sa.Column("passengers", sa.Integer),
    )  # fmt: skip
    readings = sa.Table(
        "readings", meta, sa.Column("read_on", sa.Date), sa.Column("station_id", sa.String(4)),
        sa.Column("temp", sa.Float), sa.Column("wind_speed", sa.Float),
    )  # fmt: skip
    stations = sa.Table(
        "stations", meta, sa.Column("station_id", sa.String(4), primary_key=True), sa.Column("name", sa.String(8))
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(drivers.insert(), [{"driver_id": k, "name": v} for k, v in DRIVERS.items()])
        conn.execute(table.insert(), TRIPS)
        conn.execute(stations.insert(), [{"station_id": f"S{n}", "name": f"Hill {n}"} for n in range(3)])
        conn.execute(
            readings.insert(),
            [
                {"read_on": date(2026, 2, n + 1), "station_id": f"S{n % 3}", "temp": n / 2, "wind_speed": n % 5}
                for n in range(9)
            ],
        )
    return engine


def _top(column: str, n: int) -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for trip in TRIPS:
        totals[DRIVERS[trip["driver_id"]]] += trip[column]
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _rows(result) -> list[tuple[str, Decimal]]:
    return [(row[0], Decimal(str(row[1])).quantize(Decimal("0.1"))) for row in result.rows]


def _q(pairs) -> list[tuple[str, Decimal]]:
    return [(name, value.quantize(Decimal("0.1"))) for name, value in pairs]


@needs_model
def test_without_a_glossary_the_money_like_measure_ranks_and_the_answer_says_so(trips):
    ctx = ask_context(trips, today=TODAY)
    result = answer_offline("top 3 drivers", ctx)
    assert _rows(result) == _q(_top("fee", 3))
    assert "fee taken as the measure" in result.explanation
    paid = answer_offline("which 2 drivers were paid the most", ctx)
    assert _rows(paid) == _q(_top("fee", 2))


def test_the_glossary_term_names_the_measure_a_ranking_uses(trips):
    glossary.add_term(trips, "mileage", "column", "trips", "distance_km", allowed=ALLOWED)
    result = answer_offline("top 3 drivers", ask_context(trips, today=TODAY))
    assert _rows(result) == _q(_top("distance_km", 3))
    assert "'mileage'" in result.explanation


def test_a_table_without_a_money_like_measure_or_a_term_is_refused_in_one_sentence(trips):
    with pytest.raises(NotUnderstood) as refused:
        answer_offline("top 2 stations", ask_context(trips, today=TODAY))
    assert refused.value.reason.startswith("I could not tell what to rank by")
    assert "'by temp' or 'by wind_speed'" in refused.value.reason
    assert refused.value.reason.count(".") == 1


def test_sales_words_mean_nothing_until_the_glossary_defines_them(trips):
    """No built-in list maps "revenue" to a column: it is refused, then read once an admin defines it."""
    with pytest.raises(NotUnderstood):
        answer_offline("revenue by driver", ask_context(trips, today=TODAY))
    glossary.add_term(trips, "revenue", "column", "trips", "fee", allowed=ALLOWED)
    result = answer_offline("revenue by driver", ask_context(trips, today=TODAY))
    assert sorted(_rows(result)) == sorted(_q(_top("fee", 4)))
