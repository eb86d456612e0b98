"""Ask on a second unseen schema: counts of distinct values, plurals that name a table's rows,
unit words after a measure, camelCase measures, and the best month.

The schema is built here (not the demo): country-years with camelCase measures, one row per
state with bare rate columns, cities, a flowers table named in the singular, and trips with fares.
Every expected figure is computed in Python from the rows inserted, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from elt_project.analytics.nl2sql import AskContext, answer_offline
from tests.analytics.unseen_schema import ask_over

TODAY = date(2026, 6, 15)
TABLES = {"country_years", "state_figures", "cities", "iris", "trips"}
COUNTRIES = {"Ardonia": "Europe", "Belmar": "Europe", "Cressa": "Asia", "Dunmore": "Asia", "Elvan": "Asia"}


def _rows():
    rng = random.Random(5)
    country_years = [
        {"country": c, "continent": k, "year": y, "lifeExp": round(rng.uniform(40, 80), 2),
         "gdpPercap": round(rng.uniform(500, 40000), 2)}
        for c, k in COUNTRIES.items() for y in (1990, 2000, 2010)
    ]  # fmt: skip
    states = [{"state": f"State {n}", "murder": round(rng.uniform(1, 12), 1), "poverty": round(rng.uniform(8, 22), 1)}
              for n in range(20)]  # fmt: skip
    iris = [{"species": rng.choice(["setosa", "virginica"]), "petalWidth": round(rng.uniform(0.1, 2.5), 1)}
            for _ in range(60)]  # fmt: skip
    trips = [{"trip_dt": date(2019, 1, 1) + timedelta(days=rng.randrange(365)), "fare": rng.randrange(5, 90)}
             for _ in range(300)]  # fmt: skip
    cities = [{"city": f"City {n}", "rainfall": rng.randrange(100, 900)} for n in range(12)]
    return {"country_years": country_years, "state_figures": states, "cities": cities, "iris": iris, "trips": trips}


@pytest.fixture
def rows():
    return _rows()


@pytest.fixture
def ctx(bare_engine, rows) -> AskContext:
    text, integer, real = sa.String(20), sa.Integer, sa.Float
    columns = {
        "country_years": [("country", text), ("continent", text), ("year", integer), ("lifeExp", real),
                          ("gdpPercap", real)],
        "state_figures": [("state", text), ("murder", real), ("poverty", real)],
        "cities": [("city", text), ("rainfall", integer)],
        "iris": [("species", text), ("petalWidth", real)],
        "trips": [("trip_dt", sa.Date), ("fare", integer)],
    }  # fmt: skip
    return ask_over(bare_engine, columns, rows, TABLES, TODAY)


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def test_how_many_of_a_text_column_counts_its_distinct_values(ctx, rows):
    assert answer_offline("How many countries are in the data?", ctx).rows == [[len(COUNTRIES)]]
    assert answer_offline("How many countries in Asia?", ctx).rows == [[3]]
    result = answer_offline("Number of countries for each continent", ctx)
    assert {r[0]: r[1] for r in result.rows} == {"Europe": 2, "Asia": 3}


def test_a_plural_naming_each_row_is_not_a_grouping(ctx, rows):
    states = rows["state_figures"]
    result = answer_offline("Average poverty rate across states", ctx)
    assert len(result.rows) == 1 and result.rows[0][0] == pytest.approx(_mean(s["poverty"] for s in states))
    result = answer_offline("Average murder rate of states with poverty above 15", ctx)
    wanted = _mean(s["murder"] for s in states if s["poverty"] > 15)
    assert len(result.rows) == 1 and result.rows[0][0] == pytest.approx(wanted)
    top = max(states, key=lambda s: s["murder"])
    result = answer_offline("Which state has the highest murder rate?", ctx)
    assert [r[0] for r in result.rows] == [top["state"]]
    result = answer_offline("Average rainfall across cities", ctx)  # the plural is also the table's name
    assert len(result.rows) == 1 and float(result.rows[0][0]) == pytest.approx(
        _mean(c["rainfall"] for c in rows["cities"])
    )


def test_camel_case_measures_linked_grouped_and_ranked(ctx, rows):
    years = rows["country_years"]
    result = answer_offline("Average gdp per capita of Cressa", ctx)
    assert result.rows[0][0] == pytest.approx(_mean(r["gdpPercap"] for r in years if r["country"] == "Cressa"))
    by_continent = defaultdict(list)
    for r in years:
        by_continent[r["continent"]].append(r["lifeExp"])
    best = max(by_continent, key=lambda k: _mean(by_continent[k]))
    result = answer_offline("Which continent has the highest average life expectancy?", ctx)
    assert [r[0] for r in result.rows] == [best]  # ordered by a camelCase label: quoted on PostgreSQL


def test_a_table_named_in_the_plural_and_the_best_month(ctx, rows):
    result = answer_offline("Number of irises with petal width over 1.5", ctx)
    assert result.rows == [[sum(r["petalWidth"] > 1.5 for r in rows["iris"])]]
    months = defaultdict(int)
    for trip in rows["trips"]:
        months[trip["trip_dt"].strftime("%Y-%m")] += trip["fare"]
    best = max(months, key=months.get)
    result = answer_offline("What was our best month for fare in 2019?", ctx)
    assert [(r[0], r[1]) for r in result.rows] == [(best, months[best])]
