"""Which warehouse tables stewards may edit: rows of ``steward_editable_tables``.

A table qualifies only when it exists, has a primary key (the upsert and the audit
log address rows by it) and is not one of the product's own metadata tables
(accounts, configs, logs: they have their own editors or must not be edited at all).
Every save re-checks the list, so denying a table takes effect at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db import schema
from elt_project.errors import ConfigurationError
from elt_project.pipeline.tables import reflect_table


class NotEditable(ConfigurationError):
    """The table is not open for editing."""

    resolution = "Ask an admin to allow the table with `python3 launch.py elt steward allow TABLE`."


#: The product's own tables; never open for the Data Steward.
PROTECTED_TABLES = frozenset(schema.metadata.tables) | {"alembic_version"}


def editable_table(bind: Engine | Connection, table_name: str) -> sa.Table:
    """The reflected table, checked to be a table stewards could edit (exists, has a key, not metadata)."""
    if table_name.strip().lower() in {name.lower() for name in PROTECTED_TABLES}:
        raise NotEditable(f"{table_name} is one of the product's own tables and cannot be edited by stewards.")
    table = reflect_table(bind, table_name.strip(), what="table")
    if not table.primary_key.columns:
        raise NotEditable(
            f"Table {table.name} has no primary key, so edited rows could not be told apart; add a primary key first."
        )
    return table


def allow(engine: Engine, table_name: str, *, allowed_by: str | None = None) -> bool:
    """Open ``table_name`` for editing; False when it already was."""
    table = editable_table(engine, table_name)
    if is_allowed(engine, table.name):
        return False
    with engine.begin() as conn:
        conn.execute(schema.steward_editable_tables.insert().values(table_name=table.name, allowed_by=allowed_by))
    return True


def deny(engine: Engine, table_name: str) -> bool:
    """Close ``table_name`` for editing; False when it was not open."""
    allowed = schema.steward_editable_tables
    with engine.begin() as conn:
        removed = conn.execute(
            allowed.delete().where(sa.func.lower(allowed.c.table_name) == table_name.strip().lower())
        ).rowcount
    return bool(removed)


def allowed_tables(bind: Engine | Connection) -> list[str]:
    """The tables open for editing, by name."""
    allowed = schema.steward_editable_tables
    query = sa.select(allowed.c.table_name).order_by(allowed.c.table_name)
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return list(conn.execute(query).scalars())
    return list(bind.execute(query).scalars())


def is_allowed(bind: Engine | Connection, table_name: str) -> bool:
    """True when ``table_name`` (any case) is open for editing."""
    return table_name.strip().lower() in {name.lower() for name in allowed_tables(bind)}


def require_allowed(bind: Engine | Connection, table_name: str) -> sa.Table:
    """The editable table, or :class:`NotEditable` when admins have not opened it."""
    if not is_allowed(bind, table_name):
        raise NotEditable(
            f"Table {table_name} is not open for editing; an admin can allow it with "
            "`python3 launch.py elt steward allow`."
        )
    return editable_table(bind, table_name)
