"""Create the metadata tables as they were when this revision was written (2026-11-27).

The tables are spelled out here, not taken from ``schema.metadata``: a revision must
build the same tables whenever it runs, or a warehouse made at 0001 by a newer release
would differ from one made by the first, and the later revisions could not tell them
apart. Each table is created only when missing, so a warehouse whose tables a DBA made
from the ``sql/`` scripts is adopted as it is. Later revisions change the schema with
explicit ``op`` calls; tests/db/test_migration_history.py upgrades a warehouse built by
this revision to head and compares it with one made from today's definitions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mssql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: The tables of this revision, in the order they are created (dropped in reverse).
TABLES = (
    "analytics_config",
    "analytics_predictions",
    "data_enrichment_rules",
    "data_quality_rules",
    "data_quality_run_logs",
    "elt_file_ledger",
    "elt_pipeline_configs",
    "elt_rejected_rows",
    "elt_user_permissions",
    "elt_users",
    "etl_pipeline_run_logs",
)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "analytics_config" not in existing:
        _create_analytics_config()
    if "analytics_predictions" not in existing:
        _create_analytics_predictions()
    if "data_enrichment_rules" not in existing:
        _create_data_enrichment_rules()
    if "data_quality_rules" not in existing:
        _create_data_quality_rules()
    if "data_quality_run_logs" not in existing:
        _create_data_quality_run_logs()
    if "elt_file_ledger" not in existing:
        _create_elt_file_ledger()
    if "elt_pipeline_configs" not in existing:
        _create_elt_pipeline_configs()
    if "elt_rejected_rows" not in existing:
        _create_elt_rejected_rows()
    if "elt_user_permissions" not in existing:
        _create_elt_user_permissions()
    if "elt_users" not in existing:
        _create_elt_users()
    if "etl_pipeline_run_logs" not in existing:
        _create_etl_pipeline_run_logs()


def downgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name in reversed(TABLES):
        if name in existing:
            op.drop_table(name)


def _name(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.NVARCHAR(length), "mssql")


def _text() -> sa.types.TypeEngine:
    return sa.Text().with_variant(sa.NVARCHAR(), "mssql")


def _flag() -> sa.types.TypeEngine:
    return sa.SmallInteger().with_variant(mssql.BIT(), "mssql")


def _create_analytics_config() -> None:
    op.create_table(
        "analytics_config",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("target_table", _name(255), nullable=False),
        sa.Column("date_column", _name(255), nullable=False),
        sa.Column("value_column", _name(255), nullable=False),
        sa.Column("model_type", _name(50), nullable=False),
        sa.Column("alert_webhook_url", _text(), nullable=True),
        sa.Column("is_active", _flag(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_config")),
    )


def _create_analytics_predictions() -> None:
    op.create_table(
        "analytics_predictions",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("run_id", _name(255), nullable=True),
        sa.Column("target_table", _name(255), nullable=True),
        sa.Column("model_type", _name(50), nullable=True),
        sa.Column("prediction_date", sa.DateTime(), nullable=True),
        sa.Column("actual_value", sa.Float(), nullable=True),
        sa.Column("predicted_value", sa.Float(), nullable=True),
        sa.Column("is_anomaly", _flag(), server_default=sa.text("0"), nullable=False),
        sa.Column("anomaly_score", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_predictions")),
    )
    op.create_index(op.f("ix_analytics_predictions_run_id"), "analytics_predictions", ["run_id"], unique=False)


def _create_data_enrichment_rules() -> None:
    op.create_table(
        "data_enrichment_rules",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("rule_name", _name(255), nullable=False),
        sa.Column("description", _text(), nullable=True),
        sa.Column("target_staging_table", _name(255), nullable=False),
        sa.Column("target_column_to_enrich", _name(255), nullable=False),
        sa.Column("lookup_table", _name(255), nullable=False),
        sa.Column("lookup_key_column_staging", _name(255), nullable=False),
        sa.Column("lookup_key_column_lookup", _name(255), nullable=False),
        sa.Column("lookup_value_column", _name(255), nullable=False),
        sa.Column("is_active", _flag(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_enrichment_rules")),
        sa.UniqueConstraint("rule_name", name=op.f("uq_data_enrichment_rules_rule_name")),
    )


def _create_data_quality_rules() -> None:
    op.create_table(
        "data_quality_rules",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("rule_name", _name(255), nullable=False),
        sa.Column("description", _text(), nullable=True),
        sa.Column("target_table", _name(255), nullable=False),
        sa.Column("target_column", _name(255), nullable=True),
        sa.Column("check_type", _name(50), nullable=False),
        sa.Column("check_expression", _text(), nullable=True),
        sa.Column("severity", _name(10), server_default=sa.text("'FAIL'"), nullable=False),
        sa.Column("is_active", _flag(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.CheckConstraint("upper(severity) IN ('FAIL', 'WARN')", name=op.f("ck_data_quality_rules_severity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_quality_rules")),
        sa.UniqueConstraint("rule_name", name=op.f("uq_data_quality_rules_rule_name")),
    )


def _create_data_quality_run_logs() -> None:
    op.create_table(
        "data_quality_run_logs",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("run_id", _name(255), nullable=False),
        sa.Column("import_name", _name(255), nullable=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("rule_name", _name(255), nullable=False),
        sa.Column("target_table", _name(255), nullable=True),
        sa.Column("target_column", _name(255), nullable=True),
        sa.Column("check_type", _name(50), nullable=True),
        sa.Column("severity", _name(10), nullable=True),
        sa.Column("status", _name(10), nullable=False),
        sa.Column("failing_row_count", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("sample_failing_values", _text(), nullable=True),
        sa.Column("message", _text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_quality_run_logs")),
    )
    op.create_index(op.f("ix_data_quality_run_logs_run_id"), "data_quality_run_logs", ["run_id"], unique=False)


def _create_elt_file_ledger() -> None:
    op.create_table(
        "elt_file_ledger",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("import_name", _name(255), nullable=False),
        sa.Column("content_hash", _name(64), nullable=False),
        sa.Column("file_path", _name(1024), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_mtime", sa.Float(), nullable=False),
        sa.Column("status", _name(20), nullable=False),
        sa.Column("run_id", _name(255), nullable=True),
        sa.Column("rows_loaded", sa.BigInteger(), nullable=True),
        sa.Column("error_message", _text(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elt_file_ledger")),
        sa.UniqueConstraint("import_name", "content_hash", name=op.f("uq_elt_file_ledger_import_name_content_hash")),
    )


def _create_elt_pipeline_configs() -> None:
    op.create_table(
        "elt_pipeline_configs",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("pipeline_name", _name(255), nullable=False),
        sa.Column("import_name", _name(255), nullable=False),
        sa.Column("file_pattern", _name(255), nullable=True),
        sa.Column("monitored_directory", _name(1024), nullable=True),
        sa.Column("connection_string", _name(1024), nullable=True),
        sa.Column("file_type", _name(50), nullable=True),
        sa.Column("staging_table", _name(255), nullable=True),
        sa.Column("destination_table", _name(255), nullable=True),
        sa.Column("parser_function", _name(255), nullable=True),
        sa.Column("scraper_config", _text(), nullable=True),
        sa.Column("column_mapping", _text(), nullable=True),
        sa.Column("transform_procedure", _name(255), nullable=True),
        sa.Column("load_method", _name(20), server_default=sa.text("'replace'"), nullable=False),
        sa.Column("deduplication_key", _name(1024), nullable=True),
        sa.Column("depends_on", _name(1024), nullable=True),
        sa.Column("on_success_deactivate_self_and_activate_import", _name(255), nullable=True),
        sa.Column("is_active", _flag(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.Column("last_import_date", sa.DateTime(), nullable=True),
        sa.Column("staging_retention_days", sa.Integer(), nullable=True),
        sa.Column("archive_processed_files", _flag(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "lower(load_method) IN ('replace', 'append')", name=op.f("ck_elt_pipeline_configs_load_method")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elt_pipeline_configs")),
        sa.UniqueConstraint("import_name", name=op.f("uq_elt_pipeline_configs_import_name")),
    )


def _create_elt_rejected_rows() -> None:
    op.create_table(
        "elt_rejected_rows",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("run_id", _name(255), nullable=False),
        sa.Column("import_name", _name(255), nullable=True),
        sa.Column("rule_name", _name(255), nullable=False),
        sa.Column("source_row_number", sa.BigInteger(), nullable=True),
        sa.Column("row_data", _text(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elt_rejected_rows")),
    )
    op.create_index(op.f("ix_elt_rejected_rows_run_id"), "elt_rejected_rows", ["run_id"], unique=False)


def _create_elt_user_permissions() -> None:
    op.create_table(
        "elt_user_permissions",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("username", _name(255), nullable=False),
        sa.Column("pipeline_name", _name(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elt_user_permissions")),
        sa.UniqueConstraint("username", "pipeline_name", name=op.f("uq_elt_user_permissions_username_pipeline_name")),
    )


def _create_elt_users() -> None:
    op.create_table(
        "elt_users",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("username", _name(255), nullable=False),
        sa.Column("password_hash", _name(512), nullable=False),
        sa.Column("is_admin", _flag(), server_default=sa.text("0"), nullable=False),
        sa.Column("is_active", _flag(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elt_users")),
        sa.UniqueConstraint("username", name=op.f("uq_elt_users_username")),
    )


def _create_etl_pipeline_run_logs() -> None:
    op.create_table(
        "etl_pipeline_run_logs",
        sa.Column("id", sa.Integer(), sa.Identity(start=1, increment=1), nullable=False),
        sa.Column("run_id", _name(255), nullable=False),
        sa.Column("pipeline_name", _name(255), nullable=True),
        sa.Column("import_name", _name(255), nullable=True),
        sa.Column("file_name", _name(1024), nullable=True),
        sa.Column("file_hash", _name(64), nullable=True),
        sa.Column("trigger", _name(20), nullable=True),
        sa.Column("status", _name(30), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("rows_read", sa.BigInteger(), nullable=True),
        sa.Column("rows_staged", sa.BigInteger(), nullable=True),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=True),
        sa.Column("rows_deduplicated", sa.BigInteger(), nullable=True),
        sa.Column("rows_loaded", sa.BigInteger(), nullable=True),
        sa.Column("error_message", _text(), nullable=True),
        sa.Column("error_details", _text(), nullable=True),
        sa.Column("resolution_steps", _text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_etl_pipeline_run_logs")),
    )
    op.create_index(
        op.f("ix_etl_pipeline_run_logs_import_name"), "etl_pipeline_run_logs", ["import_name"], unique=False
    )
    op.create_index(op.f("ix_etl_pipeline_run_logs_run_id"), "etl_pipeline_run_logs", ["run_id"], unique=False)
