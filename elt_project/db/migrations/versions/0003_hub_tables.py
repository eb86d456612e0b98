"""The hub's own tables: the allow-list of tables it may query, saved question→SQL examples, options.

A warehouse created at 0001 by this code already has them (the baseline creates
every table of the current definitions); this revision adds whichever is missing.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from elt_project.db import schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TABLES = ("analytics_hub_tables", "analytics_nl2sql_examples", "analytics_hub_options")


def upgrade() -> None:
    bind = op.get_bind()
    for name in _TABLES:
        if not sa.inspect(bind).has_table(name):
            schema.metadata.tables[name].create(bind)


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_table(name)
