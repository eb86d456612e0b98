"""The Data Steward's tables: which tables stewards may edit, and the audit of every edit.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from elt_project.db.schema import steward_audit_log, steward_editable_tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # The baseline creates every table of the current definitions, so on a warehouse
    # created at 0001 by this code they already exist.
    existing = set(sa.inspect(bind).get_table_names())
    for table in (steward_editable_tables, steward_audit_log):
        if table.name not in existing:
            table.create(bind=bind)


def downgrade() -> None:
    for table in (steward_audit_log, steward_editable_tables):
        table.drop(bind=op.get_bind(), checkfirst=True)
