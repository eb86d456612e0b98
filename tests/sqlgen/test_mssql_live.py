"""Live SQL Server checks of the generated T-SQL; they run only when ELT_TEST_MSSQL_URL is set.

No SQL Server runs here, so everywhere else the T-SQL is checked by parsing
(test_tsql_scripts, test_setup_sql). Point ELT_TEST_MSSQL_URL at a scratch
database (mssql+pyodbc://...) to run the scripts for real; the test removes the
feed objects it creates and leaves the metadata tables in place.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from elt_project.config.models import PipelineConfig
from elt_project.db import schema
from elt_project.db.dialects import call_transform
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.tsql_scripts import render_scripts
from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql
from elt_project.settings import load_settings
from tests.sqlgen.test_setup_sql import ORDERS_CSV

pytestmark = pytest.mark.skipif(not os.environ.get("ELT_TEST_MSSQL_URL"), reason="ELT_TEST_MSSQL_URL not set")


@pytest.fixture
def mssql_engine():
    engine = create_warehouse_engine(os.environ["ELT_TEST_MSSQL_URL"], check=True)
    yield engine
    engine.dispose()


def test_numbered_scripts_run_twice(mssql_engine):
    for _ in range(2):
        for text in render_scripts("mssql").values():
            batches = [b for b in text.split("\nGO\n") if b.strip() and not b.strip().startswith("--")]
            with mssql_engine.begin() as conn:
                for batch in batches:
                    conn.exec_driver_sql(batch)
    names = set(sa.inspect(mssql_engine).get_table_names())
    assert set(schema.metadata.tables) <= names


def test_generated_feed_transforms_one_run(mssql_engine, tmp_path):
    settings = load_settings(
        env={},
        env_file=tmp_path / "no.env",
        database_url=os.environ["ELT_TEST_MSSQL_URL"],
        data_dir=str(tmp_path / "data"),
        transforms_dir=str(tmp_path / "transforms"),
    )
    suffix = uuid.uuid4().hex[:8]
    (tmp_path / "Orders_1.csv").write_text(ORDERS_CSV, encoding="utf-8")
    config = PipelineConfig(
        pipeline_name="Live",
        import_name=f"orders_{suffix}",
        file_pattern="Orders_*.csv",
        monitored_directory=str(tmp_path),
        file_type="csv",
        staging_table=f"stg_orders_{suffix}",
        destination_table=f"dest_orders_{suffix}",
        transform_procedure=f"sp_transform_{suffix}",
    )
    result = generate_setup_sql([config], "mssql")
    try:
        apply_setup_sql(mssql_engine, result, settings)
        staging = sa.Table(config.staging_table, sa.MetaData(), autoload_with=mssql_engine)
        with mssql_engine.begin() as conn:
            conn.execute(
                staging.insert(),
                [
                    {"order_id": 1, "is_paid": "yes", "customer_name": "Zürich AG", "dagster_run_id": "r1"},
                    {"order_id": 2, "is_paid": "no", "customer_name": "other run", "dagster_run_id": "r0"},
                ],
            )
        with mssql_engine.begin() as conn:
            call_transform(conn, settings.transforms_dir, config.transform_procedure, "r1", [config.destination_table])
        with mssql_engine.connect() as conn:
            rows = conn.exec_driver_sql(
                f"SELECT order_id, customer_name, is_paid FROM [{config.destination_table}]"
            ).all()
        assert [tuple(r) for r in rows] == [(1, "Zürich AG", True)]
    finally:
        with mssql_engine.begin() as conn:
            conn.exec_driver_sql(f"DROP PROCEDURE IF EXISTS [{config.transform_procedure}]")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS [{config.destination_table}]")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS [{config.staging_table}]")
