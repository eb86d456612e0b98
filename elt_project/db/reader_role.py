"""The hub's own PostgreSQL role: it may read the published tables and nothing else.

The hub and ``elt sql`` connect with the warehouse owner's login, which can read every
table, password hashes included. A validator alone is one mistake away from leaking
them (PostgreSQL has functions that run a SQL string), so every hub query also runs
as this role (``SET LOCAL ROLE`` inside its read-only transaction), and the database
itself refuses what the role was never granted.

``elt db upgrade`` creates the role (``NOLOGIN``: nobody logs in as it), lets the
login switch to it, and grants it ``USAGE`` on the schema and ``SELECT`` on every
table except the project's metadata and credential-like tables (staging tables hold
the same data as their destinations and stay readable, so an admin may allow them and
a default grant given to a new one is never withdrawn later). Tables the
login creates later (a new destination, a replace load's swapped table) are covered by
``ALTER DEFAULT PRIVILEGES``; each upgrade (every start) withdraws again any right on
metadata or credential-like tables that a default gave.

Role names are global to a PostgreSQL cluster, so the default name carries a hash of
the database and schema: two warehouses on one server never share a role.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db.protected import is_protected
from elt_project.errors import ConfigurationError

log = logging.getLogger(__name__)

DEFAULT_ROLE_PREFIX = "elt_hub_reader_"
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class ReaderRoleOutcome:
    """What ``elt db upgrade`` did about the reader role, as one sentence for the console."""

    role: str | None
    ready: bool
    message: str


def default_role_name(database: str, schema: str) -> str:
    """``elt_hub_reader_`` plus a short hash of database and schema (unique per warehouse)."""
    digest = hashlib.sha256(f"{database}\0{schema}".encode()).hexdigest()[:12]
    return DEFAULT_ROLE_PREFIX + digest


def checked_role_name(name: str) -> str:
    """``name`` when it is a plain identifier (it is spliced into SET ROLE / EXECUTE AS), else one sentence."""
    if not _ROLE_NAME.match(name):
        raise ConfigurationError(
            f"HUB_READER_ROLE '{name}' is not a plain role name; use letters, digits and underscores."
        )
    return name


def reader_role_name(conn: Connection, configured: str | None = None) -> str:
    """The configured role name (checked), else the default for this connection's database and schema."""
    if configured:
        return checked_role_name(configured)
    database, schema = conn.exec_driver_sql("SELECT current_database(), current_schema()").one()
    return default_role_name(database, schema or "public")


def may_use_role(conn: Connection, role: str) -> bool:
    """True when the role exists and the login may ``SET ROLE`` to it."""
    found = conn.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r AND pg_has_role(session_user, oid, 'MEMBER')"),
        {"r": role},
    ).first()
    return found is not None


def _hidden_from_reader(name: str) -> bool:
    """The hub's one rule for tables it may never read (:mod:`elt_project.db.protected`)."""
    return is_protected(name)


def ensure_reader_role(engine: Engine, configured: str | None = None) -> ReaderRoleOutcome:
    """Create or refresh the reader role and its grants; a login without the right gets one sentence."""
    if engine.dialect.name != "postgresql":
        return ReaderRoleOutcome(None, False, _OTHER_WAREHOUSES.get(engine.dialect.name, ""))
    with engine.connect() as conn:
        role = reader_role_name(conn, configured)
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar() or "public"
        tables = sa.inspect(conn).get_table_names(schema=schema)
        conn.rollback()
        try:
            with conn.begin():
                _grant(conn, role, schema, tables)
        except sa.exc.DBAPIError as exc:
            log.warning("could not set up the hub reader role %s: %s", role, exc.orig)
            return ReaderRoleOutcome(
                role,
                False,
                f"The login may not create or grant the hub's reader role {role}; ask a DBA to run "
                "`python3 launch.py elt db upgrade` once with a login that may, until then the hub relies on its "
                "query checks alone.",
            )
    published = sum(1 for name in tables if not _hidden_from_reader(name))
    return ReaderRoleOutcome(
        role, True, f"The hub's queries run as role {role}, which may read {published} published tables only."
    )


def _grant(conn: Connection, role: str, schema: str, tables: list[str]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    r, s = quote(role), quote(schema)
    if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
        conn.exec_driver_sql(f"CREATE ROLE {r} NOLOGIN")
    if not may_use_role(conn, role):
        conn.exec_driver_sql(f"GRANT {r} TO SESSION_USER")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {s} TO {r}")
    conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}")
    for name in tables:
        verb = f"REVOKE ALL ON {s}.{quote(name)} FROM {r}" if _hidden_from_reader(name) else None
        conn.exec_driver_sql(verb or f"GRANT SELECT ON {s}.{quote(name)} TO {r}")


def drop_reader_role(engine: Engine, role: str) -> None:
    """Remove the role and everything granted to it in this database (tests, and uninstalling)."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            return
        conn.exec_driver_sql(f"DROP OWNED BY {quote(role)}")
        conn.exec_driver_sql(f"DROP ROLE {quote(role)}")


_OTHER_WAREHOUSES = {
    "sqlite": "SQLite: the hub reads through its own read-only connection, which refuses metadata tables.",
    "mssql": "SQL Server: create the hub's reader with sql/08_setup_hub_reader.sql and give the hub that login.",
}
