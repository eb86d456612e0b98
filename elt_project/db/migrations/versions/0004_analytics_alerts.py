"""Predictions name the config row that wrote them and carry their interval; alerts sent are recorded.

``analytics_alerts`` holds one row per (config, anomaly date) a webhook was told
about, so a re-run never posts the same anomaly twice. Tables are spelled out as
they were when this revision was written, never read from ``schema``, so the
revision builds the same tables whenever it runs. A warehouse made at 0001 by a
release of that time may already have these, so each step checks what it finds.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_NEW_COLUMNS = ("config_id", "lower_bound", "upper_bound")


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    missing = [name for name in _NEW_COLUMNS if name not in _columns("analytics_predictions")]
    if missing:
        with op.batch_alter_table("analytics_predictions") as batch:
            if "config_id" in missing:
                batch.add_column(sa.Column("config_id", sa.Integer))
                batch.create_index("ix_analytics_predictions_config_id", ["config_id"])
            for name in ("lower_bound", "upper_bound"):
                if name in missing:
                    batch.add_column(sa.Column(name, sa.Float))
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "analytics_alerts" not in existing:
        _create_analytics_alerts()


def downgrade() -> None:
    op.drop_table("analytics_alerts")
    with op.batch_alter_table("analytics_predictions") as batch:
        batch.drop_index("ix_analytics_predictions_config_id")
        for name in _NEW_COLUMNS:
            batch.drop_column(name)


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _create_analytics_alerts() -> None:
    op.create_table(
        "analytics_alerts",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("config_id", sa.Integer(), nullable=False),
        sa.Column("anomaly_date", sa.DateTime(), nullable=False),
        sa.Column("status", _name(20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", _text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_alerts")),
        sa.UniqueConstraint("config_id", "anomaly_date", name=op.f("uq_analytics_alerts_config_id_anomaly_date")),
    )
