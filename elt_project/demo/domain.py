"""Tables of the demo's business domain (not metadata): dimensions, staging and destinations.

Names are fixed because other parts of the product (the analytics hub, docs,
tests) rely on them.
"""

from __future__ import annotations

import sqlalchemy as sa

from elt_project.db.schema import Name

domain = sa.MetaData()

dim_products = sa.Table(
    "dim_products",
    domain,
    sa.Column("sku", Name(50), primary_key=True),
    sa.Column("product_name", Name()),
    sa.Column("category", Name(100)),
    sa.Column("description", Name(500)),
)

dim_customers = sa.Table(
    "dim_customers",
    domain,
    sa.Column("customer_id", Name(20), primary_key=True),
    sa.Column("customer_name", Name()),
    sa.Column("segment", Name(50)),
    sa.Column("region", Name(50)),
)

_SALES_COLUMNS = (
    ("order_id", Name(40)),
    ("order_date", sa.Date),
    ("region", Name(50)),
    ("product_sku", Name(50)),
    ("product_category", Name(100)),
    ("channel", Name(50)),
    ("customer_id", Name(20)),
    ("quantity", sa.Integer),
    ("unit_price", sa.Numeric(12, 2)),
    ("amount", sa.Numeric(14, 2)),
)

stg_sales = sa.Table(
    "stg_sales",
    domain,
    *(sa.Column(name, type_) for name, type_ in _SALES_COLUMNS),
    sa.Column("dagster_run_id", Name(), index=True),
    sa.Column("source_file_hash", Name(64)),
    sa.Column("source_row_number", sa.BigInteger),
)

dest_sales = sa.Table(
    "dest_sales",
    domain,
    *(sa.Column(name, type_, primary_key=(name == "order_id")) for name, type_ in _SALES_COLUMNS),
    sa.Column("load_timestamp", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
    sa.Index("ix_dest_sales_order_date", "order_date"),
)

_INVENTORY_COLUMNS = (
    ("sku", Name(50)),
    ("warehouse", Name(50)),
    ("on_hand", sa.Integer),
    ("snapshot_date", sa.Date),
)

stg_inventory = sa.Table(
    "stg_inventory",
    domain,
    *(sa.Column(name, type_) for name, type_ in _INVENTORY_COLUMNS),
    sa.Column("dagster_run_id", Name(), index=True),
    sa.Column("source_file_hash", Name(64)),
    sa.Column("source_row_number", sa.BigInteger),
)

dest_inventory = sa.Table(
    "dest_inventory",
    domain,
    *(sa.Column(name, type_) for name, type_ in _INVENTORY_COLUMNS),
    sa.Column("load_timestamp", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
)
