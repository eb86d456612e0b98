"""The hub's own tables: the allow-list of tables it may query, saved question→SQL examples, options.

Tables are spelled out as they were when this revision was written, never read from ``schema``,
so the revision builds the same tables whenever it runs. A warehouse created at 0001 by a release of that time
may already have them (0001 then created every table of the current definitions); this
revision adds whichever is missing.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mssql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TABLES = ("analytics_hub_tables", "analytics_nl2sql_examples", "analytics_hub_options")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "analytics_hub_options" not in existing:
        _create_analytics_hub_options()
    if "analytics_hub_tables" not in existing:
        _create_analytics_hub_tables()
    if "analytics_nl2sql_examples" not in existing:
        _create_analytics_nl2sql_examples()


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_table(name)


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _flag() -> sa.types.TypeEngine:
    return sa.SmallInteger().with_variant(mssql.BIT(), "mssql")


def _create_analytics_hub_options() -> None:
    op.create_table(
        "analytics_hub_options",
        sa.Column("option_name", _name(100), nullable=False),
        sa.Column("option_value", _name(1024), nullable=False),
        sa.Column("updated_by", _name(255), nullable=True),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("option_name", name=op.f("pk_analytics_hub_options")),
    )


def _create_analytics_hub_tables() -> None:
    op.create_table(
        "analytics_hub_tables",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("table_name", _name(255), nullable=False),
        sa.Column("added_by", _name(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_hub_tables")),
        sa.UniqueConstraint("table_name", name=op.f("uq_analytics_hub_tables_table_name")),
    )


def _create_analytics_nl2sql_examples() -> None:
    op.create_table(
        "analytics_nl2sql_examples",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("question", _text(), nullable=False),
        sa.Column("sql_text", _text(), nullable=False),
        sa.Column("created_by", _name(255), nullable=True),
        sa.Column("is_active", _flag(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_nl2sql_examples")),
    )
