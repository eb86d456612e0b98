"""Selling words ("sold", "popular", "sells") on a bookshop the parser was not written for.

They are stopwords that mean something: a question that ranks with one of them names its
measure or, naming none on a table with no glossary term, ranks by the number of rows. Here
the measures are ``turnover`` and ``copies`` (not the demo's ``amount`` and ``quantity``). Expected rows
are computed in Python from the rows inserted, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from elt_project.analytics.nl2sql import AskContext, answer_offline
from elt_project.analytics.schema_context import get_context

GENRES = {"Dune": "Sci-Fi", "Emma": "Classic", "Ulysses": "Classic", "Neuromancer": "Sci-Fi", "Rebecca": "Mystery"}


def _orders() -> list[dict]:
    rng = random.Random(4)
    rows = []
    for n in range(120):
        title = rng.choice(list(GENRES))
        copies = rng.randint(1, 6)
        rows.append({
            "order_ref": f"B{n:03d}", "ordered_on": date(2025, 1, 1) + timedelta(days=rng.randrange(300)),
            "title": title, "genre": GENRES[title], "copies": copies,
            "turnover": copies * Decimal(rng.choice(["8.50", "12.00", "20.00"])),
        })  # fmt: skip
    return rows


@pytest.fixture
def bookshop(bare_engine) -> tuple[AskContext, list[dict]]:
    rows = _orders()
    table = sa.Table(
        "book_orders", sa.MetaData(), sa.Column("order_ref", sa.String(8)), sa.Column("ordered_on", sa.Date),
        sa.Column("title", sa.String(40)), sa.Column("genre", sa.String(20)), sa.Column("copies", sa.Integer),
        sa.Column("turnover", sa.Numeric(10, 2)),
    )  # fmt: skip
    table.create(bare_engine)
    with bare_engine.begin() as conn:
        conn.execute(table.insert(), rows)
    context = get_context(bare_engine, {"book_orders"}, force=True)
    return AskContext(bare_engine, {"book_orders"}, context, date(2026, 1, 10)), rows


def _ranked(rows: list[dict], by: str, measure: str) -> list[tuple[str, Decimal]]:
    totals: Counter = Counter()
    for row in rows:
        totals[row[by]] += row[measure]
    return totals.most_common()


def _pairs(result) -> list[tuple[str, Decimal]]:
    return [(name, Decimal(str(value)).quantize(Decimal("0.01"))) for name, value in result.rows]


def test_sold_is_a_verb_around_the_named_measure(bookshop):
    ask, rows = bookshop
    genre, copies = _ranked(rows, "genre", "copies")[0]
    assert _pairs(answer_offline("Which genre sold the most copies?", ask)) == [(genre, copies)]


def test_popular_and_sells_rank_by_the_number_of_orders_when_no_measure_is_named(bookshop):
    """No glossary term and no column close to money: the titles are ranked by their rows, and the answer says so."""
    ask, rows = bookshop
    orders = sorted(Counter(row["title"] for row in rows).items(), key=lambda kv: (-kv[1], kv[0]))
    popular = answer_offline("What are the 2 most popular titles?", ask)
    assert [tuple(r) for r in popular.rows] == orders[:2]
    assert "row_count" in popular.explanation
    assert [tuple(r) for r in answer_offline("which title sells best", ask).rows] == orders[:1]
