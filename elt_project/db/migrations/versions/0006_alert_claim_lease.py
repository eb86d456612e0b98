"""``analytics_alerts.claimed_at``: a claim to post an alert is a lease that runs out.

Without it, an alert whose process died while posting stayed ``pending`` for ever.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The baseline creates the current definitions, so a warehouse made by this code already has the column.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("analytics_alerts")}
    if "claimed_at" not in columns:
        with op.batch_alter_table("analytics_alerts") as batch:
            batch.add_column(sa.Column("claimed_at", sa.DateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analytics_alerts") as batch:
        batch.drop_column("claimed_at")
