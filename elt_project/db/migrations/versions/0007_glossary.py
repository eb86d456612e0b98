"""The business glossary of Ask: terms an admin maps to a column, a filter or an expression.

Revision ID: 0007_glossary
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from elt_project.db.schema import analytics_glossary

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # The baseline creates every table of the current definitions, so it may exist already.
    if analytics_glossary.name not in set(sa.inspect(bind).get_table_names()):
        analytics_glossary.create(bind=bind)


def downgrade() -> None:
    analytics_glossary.drop(bind=op.get_bind(), checkfirst=True)
