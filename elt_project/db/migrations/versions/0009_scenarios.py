"""Saved what-if scenarios of the hub and ``elt analytics whatif --save``.

The table is spelled out as it was when this revision was written, never read from
``schema``, so the revision builds the same table whenever it runs.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "analytics_scenarios" not in existing:
        _create_analytics_scenarios()


def downgrade() -> None:
    if "analytics_scenarios" in set(sa.inspect(op.get_bind()).get_table_names()):
        op.drop_table("analytics_scenarios")


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _create_analytics_scenarios() -> None:
    op.create_table(
        "analytics_scenarios",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("name", _name(200), nullable=False),
        sa.Column("table_name", _name(255), nullable=False),
        sa.Column("measure", _name(255), nullable=False),
        sa.Column("spec_json", _text(), nullable=False),
        sa.Column("result_json", _text(), nullable=False),
        sa.Column("data_through", sa.Date(), nullable=False),
        sa.Column("model_name", _name(255), nullable=True),
        sa.Column("created_by", _name(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_scenarios")),
        sa.UniqueConstraint("name", name=op.f("uq_analytics_scenarios_name")),
    )
