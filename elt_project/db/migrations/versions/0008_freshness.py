"""Freshness promises: when each import's file is due, its fewest rows, and the alerts sent about it.

Adds ``elt_pipeline_configs.expected_schedule`` and ``expected_min_rows`` (both
optional) and the ``elt_freshness_alerts`` table.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from elt_project.db.schema import Name, elt_freshness_alerts

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    # The baseline creates the current definitions, so a warehouse made by this code already has them.
    columns = {c["name"] for c in inspector.get_columns("elt_pipeline_configs")}
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        if "expected_schedule" not in columns:
            batch.add_column(sa.Column("expected_schedule", Name(), nullable=True))
        if "expected_min_rows" not in columns:
            batch.add_column(sa.Column("expected_min_rows", sa.BigInteger, nullable=True))
    if elt_freshness_alerts.name not in set(inspector.get_table_names()):
        elt_freshness_alerts.create(bind=bind)


def downgrade() -> None:
    elt_freshness_alerts.drop(bind=op.get_bind(), checkfirst=True)
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        batch.drop_column("expected_min_rows")
        batch.drop_column("expected_schedule")
