"""The built-in parser on real SQLite and PostgreSQL: answers checked against the known rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from elt_project.analytics.nl2sql import answer, answer_offline
from elt_project.analytics.nl2sql.parser import NotUnderstood
from elt_project.analytics.nl2sql.timewindows import extract_time
from tests.analytics.conftest import INJECTION, TODAY


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _sum_by(rows, key, value="amount", where=lambda r: True):
    totals = defaultdict(Decimal)
    for row in rows:
        if where(row):
            totals[key(row)] += row[value]
    return {k: _money(v) for k, v in totals.items()}


def test_total_by_dimension_with_year_and_value_filter(ask, sales_rows):
    result = answer("Total revenue by region in 2025 for online orders", ask)
    assert result.engine == "offline" and result.columns == ["region", "total_amount"]
    expected = _sum_by(
        sales_rows, lambda r: r["region"], where=lambda r: r["order_date"].year == 2025 and r["channel"] == "Online"
    )
    assert {row[0]: _money(row[1]) for row in result.rows} == expected


def test_join_along_inferred_key_and_top_n(ask, sales_rows):
    result = answer("top 2 products by quantity", ask)
    totals = defaultdict(int)
    for row in sales_rows:
        totals[f"Widget {row['product_sku'].split('-')[1]}"] += row["quantity"]
    best = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert [(r[0], int(r[1])) for r in result.rows] == best
    assert "JOIN dim_products" in result.sql

    by_segment = answer("revenue by customer segment", ask)
    segment_of = {f"C{i}": ("Consumer", "Corporate")[i % 2] for i in range(1, 6)} | {"C9": "Consumer"}
    assert {r[0]: _money(r[1]) for r in by_segment.rows} == _sum_by(sales_rows, lambda r: segment_of[r["customer_id"]])


def test_counts_averages_comparisons_and_windows(ask, sales_rows):
    west = [r for r in sales_rows if r["region"] == "West"]
    assert answer("how many orders in the WEST region?", ask).rows == [[len(west)]]
    over = [r for r in sales_rows if r["amount"] > 50]
    assert answer("number of orders with an amount greater than 50", ask).rows == [[len(over)]]
    mean = sum(r["amount"] for r in sales_rows) / len(sales_rows)
    assert _money(answer("average order amount", ask).rows[0][0]) == _money(mean)
    start = TODAY - timedelta(days=29)
    recent = [r for r in sales_rows if start <= r["order_date"] <= TODAY]
    assert answer("how many orders in the last 30 days", ask).rows == [[len(recent)]]
    march = [r for r in sales_rows if r["order_date"].year == 2026 and r["order_date"].month == 3]
    assert _money(answer("revenue in March 2026", ask).rows[0][0] or 0) == _money(sum(r["amount"] for r in march))
    customers = {r["customer_id"] for r in sales_rows if r["order_date"].year == 2026}
    assert answer("how many distinct customers ordered in 2026", ask).rows == [[len(customers)]]


def test_trend_by_month_and_two_periods(ask, sales_rows):
    result = answer("monthly revenue in 2025", ask)
    expected = _sum_by(
        sales_rows, lambda r: r["order_date"].strftime("%Y-%m"), where=lambda r: r["order_date"].year == 2025
    )
    assert {r[0]: _money(r[1]) for r in result.rows} == expected
    assert [r[0] for r in result.rows] == sorted(expected)
    compared = answer("compare revenue 2025 vs 2026", ask)
    assert {r[0]: _money(r[1]) for r in compared.rows} == _sum_by(sales_rows, lambda r: str(r["order_date"].year))


def test_unknown_words_are_refused_with_what_was_understood(ask):
    with pytest.raises(NotUnderstood) as caught:
        answer_offline("revenue on Jupiter in 2025", ask)
    assert "jupiter" in str(caught.value) and "time: 2025" in str(caught.value)
    with pytest.raises(NotUnderstood):
        answer_offline("", ask)


def test_time_phrases():
    today = date(2026, 12, 1)
    assert extract_time("sales between 2025-01-01 and 2025-03-31", today).window.end == date(2025, 4, 1)
    assert extract_time("revenue on march 14, 2025", today).window.start == date(2025, 3, 14)
    assert extract_time("sales last month", today).window.label == "2026-11"
    assert extract_time("quarterly revenue", today).bucket == "quarter"
    assert [w.label for w in extract_time("q1 2025 vs q1 2026", today).periods] == ["2025-Q1", "2026-Q1"]


def test_comparisons_on_grouped_totals(ask, sales_rows):
    per_region = defaultdict(int)
    for row in sales_rows:
        per_region[row["region"]] += 1
    cut = sorted(per_region.values())[1]  # keeps the regions with more orders than the middle one
    result = answer(f"regions with more than {cut} orders", ask)
    assert "HAVING" in result.sql and {r[0]: r[1] for r in result.rows} == {
        k: v for k, v in per_region.items() if v > cut
    }
    names = {f"C{i}": f"Customer {i}" for i in range(1, 6)} | {"C9": INJECTION}
    totals = _sum_by(sales_rows, lambda r: names[r["customer_id"]])
    threshold = sorted(totals.values())[2]
    result = answer(f"customers with revenue over {threshold}", ask)
    assert {r[0]: _money(r[1]) for r in result.rows} == {k: v for k, v in totals.items() if v > threshold}


def test_totals_of_decimal_columns_come_back_as_the_exact_decimal_sum(sales_engine):
    from elt_project.analytics.nl2sql import ask_context
    from elt_project.demo import domain

    cents = [Decimal("0.10"), Decimal("0.20"), Decimal("1234567.89"), Decimal("0.07")] * 25
    with sales_engine.begin() as conn:
        conn.execute(domain.dest_sales.delete())
        conn.execute(
            domain.dest_sales.insert(),
            [
                {"order_id": f"D{n}", "order_date": TODAY, "region": "North", "channel": "Online", "amount": value}
                for n, value in enumerate(cents)
            ],
        )
    result = answer("total amount", ask_context(sales_engine, today=TODAY))
    # SQLite keeps NUMERIC values as floats: a plain SUM of these gives 30864206.500000015.
    assert Decimal(str(result.rows[0][0])) == sum(cents) == Decimal("30864206.50")
