"""Migration 0004 on a warehouse of the older shape: predictions gain their columns, alerts its table."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.db import schema
from elt_project.db.migrate import upgrade


def test_upgrade_adds_prediction_columns_and_alerts_table_to_an_older_warehouse(bare_engine):
    upgrade(bare_engine, "0003")
    before = sa.inspect(bare_engine)  # the shape a warehouse had before 0004: the revisions are frozen
    assert not before.has_table("analytics_alerts")
    assert "config_id" not in {c["name"] for c in before.get_columns("analytics_predictions")}
    with bare_engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO analytics_predictions (run_id, actual_value) VALUES ('old', 1.5)"))
    upgrade(bare_engine)
    with bare_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
        row = conn.execute(sa.select(schema.analytics_predictions)).mappings().one()
    assert row["run_id"] == "old" and row["actual_value"] == 1.5 and row["config_id"] is None
