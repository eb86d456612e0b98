"""Migration 0004 on a warehouse of the older shape: predictions gain their columns, alerts its table."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.db import schema
from elt_project.db.migrate import upgrade


def test_upgrade_adds_prediction_columns_and_alerts_table_to_an_older_warehouse(bare_engine):
    upgrade(bare_engine, "0003")
    with bare_engine.begin() as conn:  # the shape a warehouse had before 0004
        conn.execute(sa.text("DROP TABLE analytics_alerts"))
        conn.execute(sa.text("DROP INDEX ix_analytics_predictions_config_id"))
        for name in ("config_id", "lower_bound", "upper_bound"):
            conn.execute(sa.text(f"ALTER TABLE analytics_predictions DROP COLUMN {name}"))
        conn.execute(sa.text("INSERT INTO analytics_predictions (run_id, actual_value) VALUES ('old', 1.5)"))
    upgrade(bare_engine)
    with bare_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
        row = conn.execute(sa.select(schema.analytics_predictions)).mappings().one()
    assert row["run_id"] == "old" and row["actual_value"] == 1.5 and row["config_id"] is None
