"""The business glossary of Ask: terms an admin maps to a column, a filter or an expression.

The table is spelled out as it was when this revision was written, never read from
``schema``, so the revision builds the same table whenever it runs.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "analytics_glossary" not in existing:
        _create_analytics_glossary()


def downgrade() -> None:
    if "analytics_glossary" in set(sa.inspect(op.get_bind()).get_table_names()):
        op.drop_table("analytics_glossary")


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _create_analytics_glossary() -> None:
    op.create_table(
        "analytics_glossary",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("term", _name(100), nullable=False),
        sa.Column("kind", _name(20), nullable=False),
        sa.Column("table_name", _name(255), nullable=False),
        sa.Column("definition", _text(), nullable=False),
        sa.Column("created_by", _name(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_glossary")),
        sa.UniqueConstraint("term", name=op.f("uq_analytics_glossary_term")),
    )
