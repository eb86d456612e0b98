"""Per-import schema policy, and the record of every change of a file's columns.

Adds ``schema_policy`` and ``schema_allow_missing`` to ``elt_pipeline_configs`` and
creates ``elt_schema_changes``, spelled out as they were when this revision was written
(never read from ``schema``). A warehouse made at 0001 by a release of that time may
have them, so each piece is added only when it is missing.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mssql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("elt_pipeline_configs")}
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        if "schema_policy" not in columns:
            batch.add_column(sa.Column("schema_policy", _name(20), nullable=False, server_default=sa.text("'freeze'")))
        if "schema_allow_missing" not in columns:
            batch.add_column(sa.Column("schema_allow_missing", _flag(), nullable=False, server_default=sa.text("0")))
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "elt_schema_changes" not in existing:
        _create_elt_schema_changes()


def downgrade() -> None:
    if "elt_schema_changes" in set(sa.inspect(op.get_bind()).get_table_names()):
        op.drop_table("elt_schema_changes")
    with op.batch_alter_table("elt_pipeline_configs") as batch:
        batch.drop_column("schema_allow_missing", mssql_drop_default=True)
        batch.drop_column("schema_policy", mssql_drop_default=True)


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _create_elt_schema_changes() -> None:
    op.create_table(
        "elt_schema_changes",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("import_name", _name(255), nullable=False),
        sa.Column("run_id", _name(255), nullable=True),
        sa.Column("file_name", _name(1024), nullable=True),
        sa.Column("action", _name(30), nullable=False),
        sa.Column("columns", _text(), nullable=False),
        sa.Column("detail", _text(), nullable=True),
        sa.Column("proposed_ddl", _text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elt_schema_changes")),
    )
    op.create_index(op.f("ix_elt_schema_changes_import_name"), "elt_schema_changes", ["import_name"], unique=False)


def _flag() -> sa.types.TypeEngine:
    return sa.SmallInteger().with_variant(mssql.BIT(), "mssql")
