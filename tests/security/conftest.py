"""The sales warehouse of the analytics tests, an account with a known password hash, and the reader role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.auth import accounts
from elt_project.db import schema
from elt_project.db.reader_role import drop_reader_role, ensure_reader_role
from tests.analytics import conftest as analytics

# The analytics tests' sales warehouse and Ask context, shared rather than copied.
TODAY = analytics.TODAY
sales_engine = analytics.sales_engine
ask = analytics.ask

SECRET_USER = "zz_secret_keeper"


@pytest.fixture
def secret_hash(sales_engine) -> str:
    """The stored password hash of an account: no hub answer or error may ever contain it."""
    accounts.create_user(sales_engine, SECRET_USER, "Tr0ub4dor&3-horse", role="admin")
    with sales_engine.connect() as conn:
        return conn.execute(
            sa.select(schema.elt_users.c.password_hash).where(schema.elt_users.c.username == SECRET_USER)
        ).scalar_one()


@pytest.fixture
def reader(sales_engine, secret_hash):
    """What `elt db upgrade` does for the hub's role (PostgreSQL: the role, dropped afterwards)."""
    outcome = ensure_reader_role(sales_engine)
    yield outcome
    if outcome.role:
        drop_reader_role(sales_engine, outcome.role)
