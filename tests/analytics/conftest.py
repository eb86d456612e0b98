"""A small editable business table and the people who edit it, on both warehouses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from elt_project.analytics.steward import allowlist
from elt_project.auth import accounts

PASSWORD = "correct-horse-battery"

products_meta = sa.MetaData()
products = sa.Table(
    "shop_products",
    products_meta,
    sa.Column("sku", sa.String(20), primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("price", sa.Numeric(10, 2)),
    sa.Column("stock", sa.Integer),
    sa.Column("launched", sa.Date),
)

ROWS = [
    {"sku": "K-1", "name": "Steel Kettle", "price": Decimal("29.90"), "stock": 12, "launched": date(2024, 3, 1)},
    {"sku": "L-1", "name": "Desk Lamp", "price": Decimal("19.50"), "stock": 40, "launched": date(2023, 9, 15)},
    {"sku": "M-1", "name": "Coffee Mug", "price": Decimal("7.25"), "stock": 300, "launched": None},
]


@pytest.fixture
def shop(engine):
    """The engine, with ``shop_products`` filled and allowed, and accounts sam/sue (steward), ann (analyst)."""
    products_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(products.insert(), ROWS)
    for name, role in (("sam", "steward"), ("sue", "steward"), ("ann", "analyst"), ("ada", "admin")):
        accounts.create_user(engine, name, PASSWORD, role)
    allowlist.allow(engine, "shop_products", allowed_by="ada")
    return engine


def table_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(products).order_by(products.c.sku)).mappings()]
