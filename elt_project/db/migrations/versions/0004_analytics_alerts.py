"""Predictions name the config row that wrote them and carry their interval; alerts sent are recorded.

``analytics_alerts`` holds one row per (config, anomaly date) a webhook was told
about, so a re-run never posts the same anomaly twice. The baseline revision creates
tables from the current definitions, so each step here checks what it finds.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from elt_project.db.schema import analytics_alerts

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
    analytics_alerts.create(bind=op.get_bind(), checkfirst=True)


def downgrade() -> None:
    op.drop_table("analytics_alerts")
    with op.batch_alter_table("analytics_predictions") as batch:
        batch.drop_index("ix_analytics_predictions_config_id")
        for name in _NEW_COLUMNS:
            batch.drop_column(name)
