"""The documented PostgreSQL instance storage (dagster-postgres) runs a materialization for real."""

from __future__ import annotations

import uuid

import dagster as dg
import pytest
import sqlalchemy as sa

from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.utility import backup_database_objects
from elt_project.settings import load_settings
from tests.conftest import postgres_admin_url


@pytest.fixture
def pg_storage_schema(postgres_ready):
    """A private schema for Dagster's run/event/schedule tables, dropped afterwards."""
    if not postgres_ready:
        pytest.skip("PostgreSQL not reachable (set ELT_TEST_POSTGRES_URL)")
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def test_materialize_with_postgres_run_and_event_storage(pg_storage_schema, tmp_path):
    url = sa.make_url(postgres_admin_url())
    overrides = {
        "storage": {
            "postgres": {
                "postgres_db": {
                    "username": url.username,
                    "password": url.password,
                    "hostname": url.host,
                    "port": url.port or 5432,
                    "db_name": url.database,
                    "scheme": "postgresql+psycopg2",
                    "params": {"options": f"-csearch_path={pg_storage_schema}"},
                }
            }
        }
    }
    warehouse_url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(create_warehouse_engine(warehouse_url))
    settings = load_settings(
        env={}, env_file=tmp_path / "no.env", database_url=warehouse_url, data_dir=str(tmp_path / "data")
    )
    warehouse = WarehouseResource.for_settings(settings, output_dir=tmp_path / "out")

    with dg.instance_for_test(overrides=overrides) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize([backup_database_objects], resources={"warehouse": warehouse}, instance=instance)
        assert result.success
        stored = instance.get_latest_materialization_event(dg.AssetKey("utility_backup_database_objects"))
        assert stored is not None and stored.run_id == result.run_id

    admin = sa.create_engine(postgres_admin_url())
    with admin.connect() as conn:
        tables = set(
            conn.execute(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": pg_storage_schema},
            ).scalars()
        )
    admin.dispose()
    assert {"runs", "event_logs"} <= tables
