"""The metadata schema: migrations, defaults, and SQL copied from the product docs."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.db import schema
from elt_project.db.migrate import current_revision, head_revision, upgrade

DOCS_INSERT = """
INSERT INTO elt_pipeline_configs (
    pipeline_name, import_name, file_pattern, monitored_directory, file_type,
    staging_table, destination_table, transform_procedure, load_method, is_active
) VALUES (
    'NewReports', 'new_daily_report', 'NewReport-*.csv', 'C:/data/incoming/new_reports', 'csv',
    'stg_new_daily_report', 'dest_new_daily_report', 'sp_transform_new_reports', 'replace', 1
)
"""


def test_upgrade_creates_every_table_and_is_idempotent(bare_engine):
    upgrade(bare_engine)
    upgrade(bare_engine)  # a second start changes nothing
    names = set(sa.inspect(bare_engine).get_table_names())
    assert set(schema.metadata.tables) <= names
    assert current_revision(bare_engine) == head_revision()


def test_migrated_warehouse_matches_table_definitions(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []


def test_docs_insert_fills_defaults(engine):
    with engine.begin() as conn:
        conn.execute(sa.text(DOCS_INSERT))
        row = conn.execute(sa.select(schema.elt_pipeline_configs)).mappings().one()
    assert row["is_active"] == 1
    assert row["load_method"] == "replace"
    assert row["created_at"] is not None
    assert row["id"] >= 1
    assert row["archive_processed_files"] == 0


def test_docs_quality_rule_insert_with_quoted_set(engine):
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO data_quality_rules (rule_name, description, target_table, target_column, "
                "check_type, check_expression, severity) VALUES ('ri_dbt_status_in_set', "
                "'Status must be A or I.', 'stg_ri_dbt', 'Status', 'IS_IN_SET', '''A'', ''I''', 'WARN')"
            )
        )
        row = conn.execute(sa.select(schema.data_quality_rules)).mappings().one()
    assert row["check_expression"] == "'A', 'I'"
    assert row["is_active"] == 1


def test_duplicate_import_name_is_refused(engine):
    import pytest

    with engine.begin() as conn:
        conn.execute(sa.text(DOCS_INSERT))
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.text(DOCS_INSERT))


def test_unknown_load_method_is_refused_by_the_warehouse(engine):
    import pytest

    bad = DOCS_INSERT.replace("'replace', 1", "'upsert', 1")
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.text(bad))


def test_sqlite_runs_in_wal_mode(tmp_path):
    from elt_project.db.engine import create_warehouse_engine

    engine = create_warehouse_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30000
