"""Freshness promises: when each import's file is due, its fewest rows, and the alerts sent about it.

Adds ``elt_pipeline_configs.expected_schedule`` and ``expected_min_rows`` (both
optional) and the ``elt_freshness_alerts`` table, spelled out as they were when this
revision was written (never read from ``schema``). A warehouse made at 0001 by a
release of that time may have them already.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("elt_pipeline_configs")}
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        if "expected_schedule" not in columns:
            batch.add_column(sa.Column("expected_schedule", _name(255), nullable=True))
        if "expected_min_rows" not in columns:
            batch.add_column(sa.Column("expected_min_rows", sa.BigInteger, nullable=True))
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "elt_freshness_alerts" not in existing:
        _create_elt_freshness_alerts()


def downgrade() -> None:
    if "elt_freshness_alerts" in set(sa.inspect(op.get_bind()).get_table_names()):
        op.drop_table("elt_freshness_alerts")
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        batch.drop_column("expected_min_rows")
        batch.drop_column("expected_schedule")


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _create_elt_freshness_alerts() -> None:
    op.create_table(
        "elt_freshness_alerts",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("import_name", _name(255), nullable=False),
        sa.Column("overdue_since", sa.DateTime(), nullable=False),
        sa.Column("kind", _name(10), nullable=False),
        sa.Column("status", _name(20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", _text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elt_freshness_alerts")),
        sa.UniqueConstraint(
            "import_name", "overdue_since", "kind", name=op.f("uq_elt_freshness_alerts_import_name_overdue_since_kind")
        ),
    )
