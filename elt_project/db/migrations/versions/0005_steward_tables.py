"""The Data Steward's tables: which tables stewards may edit, and the audit of every edit.

Tables are spelled out as they were when this revision was written, never read from
``schema``, so the revision builds the same tables whenever it runs. A warehouse made
at 0001 by a release of that time may already have them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "steward_audit_log" not in existing:
        _create_steward_audit_log()
    if "steward_editable_tables" not in existing:
        _create_steward_editable_tables()


def downgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name in ("steward_audit_log", "steward_editable_tables"):
        if name in existing:
            op.drop_table(name)


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _create_steward_audit_log() -> None:
    op.create_table(
        "steward_audit_log",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("change_id", _name(36), nullable=False),
        sa.Column("changed_by", _name(255), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("table_name", _name(255), nullable=False),
        sa.Column("row_key", _name(1024), nullable=False),
        sa.Column("action", _name(10), nullable=False),
        sa.Column("column_name", _name(255), nullable=True),
        sa.Column("old_value", _text(), nullable=True),
        sa.Column("new_value", _text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steward_audit_log")),
    )
    op.create_index(op.f("ix_steward_audit_log_change_id"), "steward_audit_log", ["change_id"], unique=False)
    op.create_index(
        "ix_steward_audit_log_table_name_row_key", "steward_audit_log", ["table_name", "row_key"], unique=False
    )


def _create_steward_editable_tables() -> None:
    op.create_table(
        "steward_editable_tables",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("table_name", _name(255), nullable=False),
        sa.Column("allowed_by", _name(255), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steward_editable_tables")),
        sa.UniqueConstraint("table_name", name=op.f("uq_steward_editable_tables_table_name")),
    )
