"""Migration 0009 on a warehouse made before saved scenarios: the table appears, nothing else moves."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.db import schema
from elt_project.db.migrate import current_revision, head_revision, upgrade


def test_upgrade_adds_the_scenarios_table_to_a_warehouse_at_0007(bare_engine):
    upgrade(bare_engine, "0007")
    # The shape a warehouse had before 0009: the revisions are frozen, so 0007 made no scenarios table.
    assert "analytics_scenarios" not in sa.inspect(bare_engine).get_table_names()
    upgrade(bare_engine)
    assert current_revision(bare_engine) == head_revision()
    with bare_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
