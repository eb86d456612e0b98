"""Saved what-if scenarios of the hub and ``elt analytics whatif --save``.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from elt_project.db.schema import analytics_scenarios

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # The baseline creates every table of the current definitions, so it may exist already.
    if analytics_scenarios.name not in set(sa.inspect(bind).get_table_names()):
        analytics_scenarios.create(bind=bind)


def downgrade() -> None:
    analytics_scenarios.drop(bind=op.get_bind(), checkfirst=True)
