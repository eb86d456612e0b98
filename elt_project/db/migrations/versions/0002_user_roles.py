"""Accounts carry a role on the ladder user < analyst < steward < admin.

Replaces the ``is_admin`` flag: admins become ``admin``, everyone else ``user``.
The baseline revision creates tables from the current definitions, so a warehouse
created at 0001 by this code already has ``role``; this revision only changes the
older shape it finds.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _columns() -> set[str]:
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns("elt_users")}


def upgrade() -> None:
    columns = _columns()
    if "role" not in columns:
        with op.batch_alter_table("elt_users") as batch:
            batch.add_column(sa.Column("role", sa.String(20), nullable=False, server_default=sa.text("'user'")))
    if "is_admin" in columns:
        users = sa.table("elt_users", sa.column("role", sa.String), sa.column("is_admin", sa.SmallInteger))
        op.execute(users.update().where(users.c.is_admin == 1).values(role="admin"))
        with op.batch_alter_table("elt_users") as batch:
            batch.drop_column("is_admin", mssql_drop_default=True)


def downgrade() -> None:
    with op.batch_alter_table("elt_users") as batch:
        batch.add_column(sa.Column("is_admin", sa.SmallInteger, nullable=False, server_default=sa.text("0")))
    users = sa.table("elt_users", sa.column("role", sa.String), sa.column("is_admin", sa.SmallInteger))
    op.execute(users.update().where(users.c.role == "admin").values(is_admin=1))
    with op.batch_alter_table("elt_users") as batch:
        batch.drop_column("role")
