"""Clustering on constructed data with known groups, on both warehouses."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
from sklearn.metrics import adjusted_rand_score

from elt_project.analytics.clustering import cluster_table
from elt_project.errors import ConfigurationError

points_meta = sa.MetaData()
points = sa.Table(
    "shop_orders",
    points_meta,
    sa.Column("order_no", sa.Integer, primary_key=True),
    sa.Column("customer", sa.String(20)),
    sa.Column("amount", sa.Float),
    sa.Column("items", sa.Integer),
)
#: Three kinds of customer: small baskets, bulk buyers, big-ticket buyers.
CENTRES = {"small": (20.0, 2), "bulk": (150.0, 40), "luxury": (900.0, 3)}


@pytest.fixture
def orders(engine):
    rng = np.random.default_rng(3)
    rows, n = [], 0
    for group, (amount, items) in CENTRES.items():
        for customer in range(30):
            for _ in range(4):
                n += 1
                rows.append(
                    {
                        "order_no": n,
                        "customer": f"{group}-{customer}",
                        "amount": float(amount * rng.uniform(0.9, 1.1)),
                        "items": int(max(1, round(items * rng.uniform(0.85, 1.15)))),
                    }
                )
    points_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(points.insert(), rows)
    return engine


def test_rows_fall_into_the_known_groups_and_k_is_found_by_silhouette(orders):
    result = cluster_table(orders, "shop_orders", ["amount", "items"])
    assert result.k == 3 and not result.sampled
    with orders.connect() as conn:
        truth = [
            r.customer.split("-")[0] for r in conn.execute(sa.select(points.c.customer).order_by(points.c.order_no))
        ]
    assert adjusted_rand_score(truth, result.points["cluster"]) == pytest.approx(1.0)
    assert len(result.profiles) == 3
    luxury = next(p for p in result.profiles if "amount high" in p)
    assert "items low" in luxury and "120 points, 33%" in luxury


def test_members_of_a_dimension_by_aggregates_and_sampling_is_announced(orders):
    result = cluster_table(orders, "shop_orders", ["amount"], dimension="customer")
    assert result.features == ["total_amount", "average_amount", "rows"]
    assert result.k == 3 and len(result.points) == 90
    groups = result.points.groupby(result.points.index.str.split("-").str[0])["cluster"].nunique()
    assert (groups == 1).all()
    sampled = cluster_table(orders, "shop_orders", ["amount", "items"], max_points=100)
    assert sampled.sampled and len(sampled.points) == 100 and sampled.total_points == 360
    assert "a random sample of 100 was used" in sampled.notes[0]


def test_clear_refusals(orders):
    with pytest.raises(ConfigurationError, match="no_such"):
        cluster_table(orders, "shop_orders", ["no_such"])
    with pytest.raises(ConfigurationError, match="at least one numeric column"):
        cluster_table(orders, "shop_orders", [])
