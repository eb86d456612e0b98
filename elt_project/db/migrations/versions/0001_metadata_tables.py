"""Create the metadata tables.

The baseline creates every table of ``schema.metadata`` that is missing, so a
warehouse whose tables a DBA already made from the ``sql/`` scripts is adopted
as it is. Later revisions change the schema with explicit ``op`` calls; a test
compares the migrated warehouse with ``schema.metadata`` to catch drift.

Revision ID: 0001
Revises:
"""

from alembic import op

from elt_project.db.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(bind=op.get_bind(), checkfirst=True)


def downgrade() -> None:
    metadata.drop_all(bind=op.get_bind(), checkfirst=True)
