"""`elt db upgrade` makes the hub's reader role: published tables readable, metadata not, one per warehouse."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from elt_project.analytics.nl2sql import ask_context, run_sql
from elt_project.cli import main
from elt_project.db import schema
from elt_project.db.reader_role import default_role_name, drop_reader_role
from elt_project.errors import ConfigurationError
from elt_project.settings import load_settings
from tests.security.conftest import TODAY


def _privileges(engine, role: str) -> dict[str, bool]:
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return {
            name: conn.execute(sa.text("SELECT has_table_privilege(:r, :t, 'SELECT')"), {"r": role, "t": name}).scalar()
            for name in names
        }


def _env(settings, **extra) -> dict[str, str]:
    return {"DATABASE_URL": settings.database_url.get_secret_value(), "ELT_DATA_DIR": str(settings.data_dir), **extra}


def test_elt_db_upgrade_creates_the_role_with_published_tables_only(sales_engine, settings):
    result = CliRunner().invoke(main, ["db", "upgrade"], env=_env(settings))
    assert result.exit_code == 0, result.output
    if sales_engine.dialect.name == "sqlite":
        assert "SQLite: the hub reads through its own read-only connection" in result.output
        return
    with sales_engine.connect() as conn:
        database, schema_name = conn.exec_driver_sql("SELECT current_database(), current_schema()").one()
    role = default_role_name(database, schema_name)
    assert f"The hub's queries run as role {role}, which may read 3 published tables only." in result.output
    granted = _privileges(sales_engine, role)
    assert {name for name, ok in granted.items() if ok} == {"dest_sales", "dim_products", "dim_customers"}
    assert set(schema.metadata.tables) <= {name for name, ok in granted.items() if not ok}
    again = CliRunner().invoke(main, ["db", "upgrade"], env=_env(settings))  # idempotent, at every start
    assert again.exit_code == 0 and role in again.output


def test_default_names_differ_per_database_and_schema():
    names = {default_role_name(db, s) for db in ("elt", "elt_test") for s in ("public", "sales")}
    assert len(names) == 4 and all(len(n) <= 63 and n.startswith("elt_hub_reader_") for n in names)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_configured_role_name_is_used_by_upgrade_and_by_the_hub(sales_engine, settings):
    role = f"t_reader_{uuid.uuid4().hex[:10]}"
    try:
        result = CliRunner().invoke(main, ["db", "upgrade"], env=_env(settings, HUB_READER_ROLE=role))
        assert result.exit_code == 0 and f"run as role {role}," in result.output
        configured = load_settings(
            env={}, env_file=settings.data_dir / "none.env", database_url=settings.database_url.get_secret_value(),
            data_dir=str(settings.data_dir), transforms_dir=str(settings.transforms_dir), hub_reader_role=role,
        )  # fmt: skip
        context = ask_context(sales_engine, configured, today=TODAY)
        context.validate = False  # current_user is not on the allow-list; the role is what is checked here
        assert run_sql("SELECT current_user AS who", context).rows == [[role]]
    finally:
        drop_reader_role(sales_engine, role)


def test_a_role_name_that_is_not_a_plain_identifier_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="^Setting HUB_READER_ROLE must be a plain SQL name"):
        load_settings(env={"HUB_READER_ROLE": 'x"; DROP ROLE elt; --'}, env_file=tmp_path / "none.env")
