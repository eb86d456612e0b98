"""Fixtures for the SQL generation tests: a second, empty warehouse on the same server."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from tests.conftest import postgres_admin_url


@pytest.fixture
def fresh_engine(engine, tmp_path):
    """Another migrated, empty warehouse of the same kind as ``engine`` (restore target)."""
    if engine.dialect.name == "sqlite":
        other = create_warehouse_engine(f"sqlite:///{tmp_path / 'restored.db'}")
        upgrade(other)
        yield other
        other.dispose()
        return
    schema_name = f"r_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    url = sa.make_url(postgres_admin_url()).update_query_dict({"options": f"-csearch_path={schema_name}"})
    other = create_warehouse_engine(url)
    try:
        upgrade(other)
        yield other
    finally:
        other.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        admin.dispose()
