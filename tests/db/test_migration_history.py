"""Revisions are frozen: a warehouse built by revision 0001 as it first shipped upgrades to today's tables.

Each warehouse leg (a SQLite file, a PostgreSQL schema) gets a twin made fresh from today's
definitions (``create_all``); the upgraded warehouse must match it column for column, type for
type, index for index, and keep the rows it held.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.db import schema
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import alembic_config, current_revision, head_revision, upgrade
from tests.conftest import postgres_admin_url


@pytest.fixture
def fresh_twin(database_url, tmp_path):
    """An engine on a second, empty warehouse of the same kind, whose tables are made from today's definitions."""
    if database_url.startswith("sqlite"):
        twin = create_warehouse_engine(f"sqlite:///{tmp_path / 'twin.db'}")
        schema.metadata.create_all(twin)
        yield twin
        twin.dispose()
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    url = sa.make_url(postgres_admin_url()).update_query_dict({"options": f"-csearch_path={name}"})
    twin = create_warehouse_engine(url.render_as_string(hide_password=False))
    try:
        schema.metadata.create_all(twin)
        yield twin
    finally:
        twin.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def shape(engine) -> dict:
    """Every metadata table's columns (type, nullability, default, identity), indexes, unique keys and primary key."""
    inspector = sa.inspect(engine)
    found = {}
    for table in sorted(schema.metadata.tables):
        columns = {
            c["name"]: (str(c["type"]), c["nullable"], c.get("default"), bool(c.get("identity")))
            for c in inspector.get_columns(table)
        }
        indexes = sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table))
        uniques = sorted((u["name"], tuple(u["column_names"])) for u in inspector.get_unique_constraints(table))
        primary = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
        found[table] = {"columns": columns, "indexes": indexes, "uniques": uniques, "primary": primary}
    return found


def test_a_warehouse_made_by_the_first_revision_upgrades_to_the_tables_made_fresh_today(bare_engine, fresh_twin):
    upgrade(bare_engine, "0001")
    first = sa.inspect(bare_engine)
    assert "is_admin" in {c["name"] for c in first.get_columns("elt_users")}  # the accounts table of its day
    assert not first.has_table("analytics_glossary")  # tables of later revisions are theirs to make
    with bare_engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO elt_users (username, password_hash, is_admin) VALUES ('ada', 'x', 1), ('bob', 'y', 0)")
        )
    upgrade(bare_engine, "0003")
    with bare_engine.begin() as conn:  # the options table as 0003 made it, keyed by name
        conn.execute(sa.text("INSERT INTO analytics_hub_options (option_name, option_value) VALUES ('rows', '500')"))

    upgrade(bare_engine)

    assert current_revision(bare_engine) == head_revision()
    assert shape(bare_engine) == shape(fresh_twin)
    with bare_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)
        roles = dict(conn.execute(sa.text("SELECT username, role FROM elt_users")).all())
        option = conn.execute(sa.text("SELECT id, option_name, option_value FROM analytics_hub_options")).one()
    assert diff == []
    assert roles == {"ada": "admin", "bob": "user"}
    assert option[1:] == ("rows", "500") and option[0] >= 1
    with bare_engine.begin() as conn:  # the id is generated for the next option too
        conn.execute(sa.text("INSERT INTO analytics_hub_options (option_name, option_value) VALUES ('theme', 'x')"))


def test_a_warehouse_made_fresh_by_the_revisions_matches_the_definitions(bare_engine, fresh_twin):
    upgrade(bare_engine)
    assert shape(bare_engine) == shape(fresh_twin)


def test_downgrading_to_nothing_removes_the_metadata_tables_and_only_them(bare_engine):
    from alembic import command

    with bare_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sales (id INTEGER PRIMARY KEY, amount INTEGER)"))
    upgrade(bare_engine)
    command.downgrade(alembic_config(bare_engine), "base")
    left = set(sa.inspect(bare_engine).get_table_names()) - {"alembic_version"}
    assert left == {"sales"}
