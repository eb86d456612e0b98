"""A PostgreSQL database of a test's own on the test server, for Dagster's instance storage.

The scale-out deployment keeps Dagster's runs and event logs in a database apart from the
warehouse; tests create one with a unique name and drop it afterwards (with its connections).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

from tests.conftest import postgres_admin_url


@contextlib.contextmanager
def private_database() -> Iterator[str]:
    """A new empty database; yields its URL with the test login (driver left to the product to choose)."""
    name = f"elt_dagster_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(postgres_admin_url()).set(drivername="postgresql", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
