"""``analytics_hub_options`` gets an ``id`` key like every metadata table; the option name stays unique.

The hub's options table was first keyed by ``option_name`` (revision 0003); the id was
added to the table definitions later without a revision, so only warehouses whose 0001
created the newer definitions had it. This revision brings the others to the same shape.
The table holds a handful of rows: they are read, the table is made again in its new
shape and the rows are written back, the same way on every warehouse, in the upgrade's
one transaction.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TABLE = "analytics_hub_options"
_DATA = {"option_name": sa.String, "option_value": sa.String, "updated_by": sa.String, "updated_at": sa.DateTime}


def _rebuild(create) -> None:
    bind = op.get_bind()
    old = sa.table(_TABLE, *(sa.column(name, type_) for name, type_ in _DATA.items()))
    rows = [dict(row._mapping) for row in bind.execute(sa.select(old))]
    op.drop_table(_TABLE)
    table = create()
    if rows:
        op.bulk_insert(table, rows)


def upgrade() -> None:
    if "id" not in {column["name"] for column in sa.inspect(op.get_bind()).get_columns(_TABLE)}:
        _rebuild(_create_with_id)


def downgrade() -> None:
    _rebuild(_create_keyed_by_name)


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _create_with_id() -> sa.Table:
    return op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("option_name", _name(100), nullable=False),
        sa.Column("option_value", _name(1024), nullable=False),
        sa.Column("updated_by", _name(255), nullable=True),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_hub_options")),
        sa.UniqueConstraint("option_name", name=op.f("uq_analytics_hub_options_option_name")),
    )


def _create_keyed_by_name() -> sa.Table:
    return op.create_table(
        _TABLE,
        sa.Column("option_name", _name(100), nullable=False),
        sa.Column("option_value", _name(1024), nullable=False),
        sa.Column("updated_by", _name(255), nullable=True),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("option_name", name=op.f("pk_analytics_hub_options")),
    )
