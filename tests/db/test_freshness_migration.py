"""Migration 0008 on a warehouse of the 0007 shape: configs gain the promise columns, alerts get their table."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.db import schema
from elt_project.db.migrate import current_revision, head_revision, upgrade
from tests.orchestration.conftest import add_config


def test_upgrade_adds_the_freshness_columns_and_table_to_an_older_warehouse(bare_engine):
    upgrade(bare_engine, "0007")
    assert not sa.inspect(bare_engine).has_table("elt_freshness_alerts")  # the shape before 0008: revisions are frozen
    with bare_engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("elt_pipeline_configs")}
    assert "expected_schedule" not in columns
    with bare_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO elt_pipeline_configs (pipeline_name, import_name, file_type, staging_table, "
                "destination_table) VALUES ('Sales', 'old_feed', 'csv', 'stg', 'dest')"
            )
        )
    upgrade(bare_engine)
    assert current_revision(bare_engine) == head_revision()
    with bare_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
        row = conn.execute(sa.select(schema.elt_pipeline_configs)).mappings().one()
    assert row["import_name"] == "old_feed" and row["expected_schedule"] is None and row["expected_min_rows"] is None
    add_config(bare_engine, import_name="new_feed", expected_schedule="daily by 06:00 UTC", expected_min_rows=5)
