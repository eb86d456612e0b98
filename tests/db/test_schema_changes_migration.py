"""Migration 0010 on a warehouse of the older shape: configs gain the schema policy, changes their table."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.config.repository import get_pipeline_config
from elt_project.db import schema
from elt_project.db.migrate import upgrade


def test_upgrade_adds_the_policy_columns_and_the_changes_table_to_an_older_warehouse(bare_engine, tmp_path):
    upgrade(bare_engine, "0007")
    before = sa.inspect(bare_engine)  # the shape a warehouse had before 0010: the revisions are frozen
    assert not before.has_table("elt_schema_changes")
    assert "schema_policy" not in {c["name"] for c in before.get_columns("elt_pipeline_configs")}
    with bare_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO elt_pipeline_configs (pipeline_name, import_name, file_type, staging_table, "
                "destination_table, load_method, is_active) VALUES ('p', 'old', 'csv', 's', 'd', 'append', 1)"
            )
        )
    upgrade(bare_engine)
    with bare_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
    config = get_pipeline_config(bare_engine, "old")
    assert (config.schema_policy, config.schema_allow_missing) == ("freeze", False)  # today's behaviour stays
