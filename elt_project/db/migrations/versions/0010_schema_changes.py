"""Per-import schema policy, and the record of every change of a file's columns.

Adds ``schema_policy`` and ``schema_allow_missing`` to ``elt_pipeline_configs`` and
creates ``elt_schema_changes``. The baseline revision creates tables from the
current definitions, so each piece is added only when it is missing.

Revision ID: 0010
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from elt_project.db.schema import Flag, Name, elt_schema_changes

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {column["name"] for column in inspector.get_columns("elt_pipeline_configs")}
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        if "schema_policy" not in columns:
            batch.add_column(sa.Column("schema_policy", Name(20), nullable=False, server_default=sa.text("'freeze'")))
        if "schema_allow_missing" not in columns:
            batch.add_column(sa.Column("schema_allow_missing", Flag, nullable=False, server_default=sa.text("0")))
    if elt_schema_changes.name not in set(inspector.get_table_names()):
        elt_schema_changes.create(bind=bind)


def downgrade() -> None:
    elt_schema_changes.drop(bind=op.get_bind(), checkfirst=True)
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        batch.drop_column("schema_allow_missing", mssql_drop_default=True)
        batch.drop_column("schema_policy", mssql_drop_default=True)
