"""The metadata tables, defined once as SQLAlchemy Core tables.

Only table definitions live here. Alembic migrates from them, the T-SQL scripts in
``sql/`` are generated from them, and every query in the project imports them.

Table and column names follow the product documentation so that SQL copied from
the docs works as written. Flags such as ``is_active`` are small integers (BIT on
SQL Server) rather than booleans, because the docs' ``INSERT ... VALUES (..., 1)``
must work on PostgreSQL too, where an integer literal is not a boolean.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: 0/1 flag: SMALLINT on SQLite/PostgreSQL, BIT on SQL Server.
Flag = sa.SmallInteger().with_variant(mssql.BIT(), "mssql")
#: Unbounded text: TEXT, or NVARCHAR(MAX) on SQL Server.
LongText = sa.Text().with_variant(mssql.NVARCHAR(None), "mssql")


def Name(length: int = 255) -> sa.types.TypeEngine:
    """A bounded string column type: NVARCHAR on SQL Server so non-Latin names survive."""
    return sa.String(length).with_variant(mssql.NVARCHAR(length), "mssql")


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, sa.Identity(start=1, increment=1), primary_key=True)


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP"))


def _is_active() -> sa.Column:
    return sa.Column("is_active", Flag, nullable=False, server_default=sa.text("1"))


elt_pipeline_configs = sa.Table(
    "elt_pipeline_configs",
    metadata,
    _id(),
    sa.Column("pipeline_name", Name(), nullable=False),
    sa.Column("import_name", Name(), nullable=False, unique=True),
    sa.Column("file_pattern", Name()),
    sa.Column("monitored_directory", Name(1024)),
    sa.Column("connection_string", Name(1024)),
    sa.Column("file_type", Name(50)),
    sa.Column("staging_table", Name()),
    sa.Column("destination_table", Name()),
    sa.Column("parser_function", Name()),
    sa.Column("scraper_config", LongText),
    sa.Column("column_mapping", LongText),
    sa.Column("transform_procedure", Name()),
    sa.Column("load_method", Name(20), nullable=False, server_default=sa.text("'replace'")),
    sa.Column("deduplication_key", Name(1024)),
    sa.Column("depends_on", Name(1024)),
    sa.Column("on_success_deactivate_self_and_activate_import", Name()),
    _is_active(),
    _created_at(),
    sa.Column("last_import_date", sa.DateTime),
    # Beyond the documented columns: per-import housekeeping, both optional.
    sa.Column("staging_retention_days", sa.Integer),
    sa.Column("archive_processed_files", Flag, nullable=False, server_default=sa.text("0")),
    # Freshness promise, both optional: when a file is due (grammar in docs/pipelines.md) and its fewest rows.
    sa.Column("expected_schedule", Name()),
    sa.Column("expected_min_rows", sa.BigInteger),
    # What a run does when the file's columns differ from the tables (pipeline/schema_drift.py).
    sa.Column("schema_policy", Name(20), nullable=False, server_default=sa.text("'freeze'")),
    sa.Column("schema_allow_missing", Flag, nullable=False, server_default=sa.text("0")),
    sa.CheckConstraint("lower(load_method) IN ('replace', 'append')", name="load_method"),
)

etl_pipeline_run_logs = sa.Table(
    "etl_pipeline_run_logs",
    metadata,
    _id(),
    sa.Column("run_id", Name(), nullable=False, index=True),
    sa.Column("pipeline_name", Name()),
    sa.Column("import_name", Name(), index=True),
    sa.Column("file_name", Name(1024)),
    sa.Column("file_hash", Name(64)),
    sa.Column("trigger", Name(20)),
    sa.Column("status", Name(30), nullable=False),
    sa.Column("start_time", sa.DateTime, nullable=False),
    sa.Column("end_time", sa.DateTime),
    sa.Column("rows_read", sa.BigInteger),
    sa.Column("rows_staged", sa.BigInteger),
    sa.Column("rows_rejected", sa.BigInteger),
    sa.Column("rows_deduplicated", sa.BigInteger),
    sa.Column("rows_loaded", sa.BigInteger),
    sa.Column("error_message", LongText),
    sa.Column("error_details", LongText),
    sa.Column("resolution_steps", LongText),
)

data_quality_rules = sa.Table(
    "data_quality_rules",
    metadata,
    _id(),
    sa.Column("rule_name", Name(), nullable=False, unique=True),
    sa.Column("description", LongText),
    sa.Column("target_table", Name(), nullable=False),
    sa.Column("target_column", Name()),
    sa.Column("check_type", Name(50), nullable=False),
    sa.Column("check_expression", LongText),
    sa.Column("severity", Name(10), nullable=False, server_default=sa.text("'FAIL'")),
    _is_active(),
    _created_at(),
    sa.CheckConstraint("upper(severity) IN ('FAIL', 'WARN')", name="severity"),
)

data_quality_run_logs = sa.Table(
    "data_quality_run_logs",
    metadata,
    _id(),
    sa.Column("run_id", Name(), nullable=False, index=True),
    sa.Column("import_name", Name()),
    sa.Column("rule_id", sa.Integer),
    sa.Column("rule_name", Name(), nullable=False),
    sa.Column("target_table", Name()),
    sa.Column("target_column", Name()),
    sa.Column("check_type", Name(50)),
    sa.Column("severity", Name(10)),
    sa.Column("status", Name(10), nullable=False),  # PASS | FAIL | WARN
    sa.Column("failing_row_count", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    sa.Column("sample_failing_values", LongText),  # JSON list
    sa.Column("message", LongText),
    sa.Column("checked_at", sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
)

data_enrichment_rules = sa.Table(
    "data_enrichment_rules",
    metadata,
    _id(),
    sa.Column("rule_name", Name(), nullable=False, unique=True),
    sa.Column("description", LongText),
    sa.Column("target_staging_table", Name(), nullable=False),
    sa.Column("target_column_to_enrich", Name(), nullable=False),
    sa.Column("lookup_table", Name(), nullable=False),
    sa.Column("lookup_key_column_staging", Name(), nullable=False),
    sa.Column("lookup_key_column_lookup", Name(), nullable=False),
    sa.Column("lookup_value_column", Name(), nullable=False),
    _is_active(),
    _created_at(),
)

elt_user_permissions = sa.Table(
    "elt_user_permissions",
    metadata,
    _id(),
    sa.Column("username", Name(), nullable=False),
    sa.Column("pipeline_name", Name(), nullable=False),
    _created_at(),
    sa.UniqueConstraint("username", "pipeline_name"),
)

elt_users = sa.Table(
    "elt_users",
    metadata,
    _id(),
    sa.Column("username", Name(), nullable=False, unique=True),
    sa.Column("password_hash", Name(512), nullable=False),
    # One rung of the role ladder in elt_project.auth.roles: user < analyst < steward < admin.
    sa.Column("role", Name(20), nullable=False, server_default=sa.text("'user'")),
    _is_active(),
    _created_at(),
)

analytics_config = sa.Table(
    "analytics_config",
    metadata,
    _id(),
    sa.Column("target_table", Name(), nullable=False),
    sa.Column("date_column", Name(), nullable=False),
    sa.Column("value_column", Name(), nullable=False),
    sa.Column("model_type", Name(50), nullable=False),
    sa.Column("alert_webhook_url", LongText),
    _is_active(),
    _created_at(),
)

analytics_predictions = sa.Table(
    "analytics_predictions",
    metadata,
    _id(),
    sa.Column("run_id", Name(), index=True),
    sa.Column("target_table", Name()),
    sa.Column("model_type", Name(50)),
    sa.Column("prediction_date", sa.DateTime),
    sa.Column("actual_value", sa.Float),
    sa.Column("predicted_value", sa.Float),
    sa.Column("is_anomaly", Flag, nullable=False, server_default=sa.text("0")),
    sa.Column("anomaly_score", sa.Float),
    _created_at(),
    # Beyond the documented columns: which config row wrote the prediction, and its interval.
    sa.Column("config_id", sa.Integer, index=True),
    sa.Column("lower_bound", sa.Float),
    sa.Column("upper_bound", sa.Float),
)

#: One row per anomaly a webhook was (or is being) told about: the unique key makes
#: "post each anomaly once" hold even when two runs overlap.
analytics_alerts = sa.Table(
    "analytics_alerts",
    metadata,
    _id(),
    sa.Column("config_id", sa.Integer, nullable=False),
    sa.Column("anomaly_date", sa.DateTime, nullable=False),
    sa.Column("status", Name(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_error", LongText),
    sa.Column("sent_at", sa.DateTime),
    # When the row was last claimed for posting (UTC): a pending claim older than the lease is taken over.
    sa.Column("claimed_at", sa.DateTime),
    _created_at(),
    sa.UniqueConstraint("config_id", "anomaly_date"),
)

#: One row per freshness message (an import became late, or its file came after it was late):
#: the unique key makes "post once per lateness episode" hold across restarts and overlapping ticks.
elt_freshness_alerts = sa.Table(
    "elt_freshness_alerts",
    metadata,
    _id(),
    sa.Column("import_name", Name(), nullable=False),
    # The deadline the import missed (UTC): it names the lateness episode.
    sa.Column("overdue_since", sa.DateTime, nullable=False),
    sa.Column("kind", Name(10), nullable=False),  # late | arrived
    sa.Column("status", Name(20), nullable=False),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_error", LongText),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("claimed_at", sa.DateTime),
    _created_at(),
    sa.UniqueConstraint("import_name", "overdue_since", "kind"),
)

analytics_hub_tables = sa.Table(
    # The warehouse tables the hub's question answering may read; admins choose them.
    "analytics_hub_tables",
    metadata,
    _id(),
    sa.Column("table_name", Name(), nullable=False, unique=True),
    sa.Column("added_by", Name()),
    _created_at(),
)

analytics_nl2sql_examples = sa.Table(
    # Curated question -> SQL pairs sent to the LLM as examples.
    "analytics_nl2sql_examples",
    metadata,
    _id(),
    sa.Column("question", LongText, nullable=False),
    sa.Column("sql_text", LongText, nullable=False),
    sa.Column("created_by", Name()),
    _is_active(),
    _created_at(),
)

analytics_glossary = sa.Table(
    # The business glossary Ask reads: a term and what it means in this warehouse —
    # a column, a filter (a condition) or an expression (an aggregate) on one table.
    "analytics_glossary",
    metadata,
    _id(),
    sa.Column("term", Name(100), nullable=False, unique=True),
    sa.Column("kind", Name(20), nullable=False),  # column | filter | expression
    sa.Column("table_name", Name(), nullable=False),
    sa.Column("definition", LongText, nullable=False),
    sa.Column("created_by", Name()),
    _created_at(),
)

analytics_hub_options = sa.Table(
    # Admin switches of the hub, one row each (e.g. whether the LLM may see result rows).
    "analytics_hub_options",
    metadata,
    _id(),
    sa.Column("option_name", Name(100), nullable=False, unique=True),
    sa.Column("option_value", Name(1024), nullable=False),
    sa.Column("updated_by", Name()),
    sa.Column("updated_at", sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
)

analytics_scenarios = sa.Table(
    # Named what-if scenarios: who made one, when, what it asked (spec_json) and what the
    # forecasts said then (result_json), with the forecast basis it rests on.
    "analytics_scenarios",
    metadata,
    _id(),
    sa.Column("name", Name(200), nullable=False, unique=True),
    sa.Column("table_name", Name(), nullable=False),
    sa.Column("measure", Name(), nullable=False),
    sa.Column("spec_json", LongText, nullable=False),
    sa.Column("result_json", LongText, nullable=False),
    sa.Column("data_through", sa.Date, nullable=False),  # the newest day the forecasts were fitted on
    sa.Column("model_name", Name()),
    sa.Column("created_by", Name(), nullable=False),
    _created_at(),
)

elt_file_ledger = sa.Table(
    "elt_file_ledger",
    metadata,
    _id(),
    sa.Column("import_name", Name(), nullable=False),
    sa.Column("content_hash", Name(64), nullable=False),
    sa.Column("file_path", Name(1024), nullable=False),
    sa.Column("file_size", sa.BigInteger, nullable=False),
    sa.Column("file_mtime", sa.Float, nullable=False),
    sa.Column("status", Name(20), nullable=False),  # STAGED | LOADED | FAILED
    sa.Column("run_id", Name()),
    sa.Column("rows_loaded", sa.BigInteger),
    sa.Column("error_message", LongText),
    sa.Column("first_seen_at", sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
    sa.Column("updated_at", sa.DateTime),
    sa.UniqueConstraint("import_name", "content_hash"),
)

#: Every difference between a file's columns and its import's tables, and what the run did about it.
elt_schema_changes = sa.Table(
    "elt_schema_changes",
    metadata,
    _id(),
    sa.Column("import_name", Name(), nullable=False, index=True),
    sa.Column("run_id", Name()),
    sa.Column("file_name", Name(1024)),
    # added | ignored | missing_allowed | widening_proposed
    sa.Column("action", Name(30), nullable=False),
    sa.Column("columns", LongText, nullable=False),
    sa.Column("detail", LongText),
    sa.Column("proposed_ddl", LongText),
    sa.Column("recorded_at", sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
)

elt_rejected_rows = sa.Table(
    "elt_rejected_rows",
    metadata,
    _id(),
    sa.Column("run_id", Name(), nullable=False, index=True),
    sa.Column("import_name", Name()),
    sa.Column("rule_name", Name(), nullable=False),
    sa.Column("source_row_number", sa.BigInteger),
    sa.Column("row_data", LongText),  # the staged row as JSON
    sa.Column("rejected_at", sa.DateTime, nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
)

steward_editable_tables = sa.Table(
    "steward_editable_tables",
    metadata,
    _id(),
    # A warehouse table an admin allowed stewards to edit in place (it must have a primary key).
    sa.Column("table_name", Name(), nullable=False, unique=True),
    sa.Column("allowed_by", Name()),
    _created_at(),
)

steward_audit_log = sa.Table(
    "steward_audit_log",
    metadata,
    _id(),
    # One save of the Data Steward (or one `python3 launch.py elt steward apply`) shares one change_id.
    sa.Column("change_id", Name(36), nullable=False, index=True),
    sa.Column("changed_by", Name(), nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    sa.Column("table_name", Name(), nullable=False),
    # The row's primary key as text: the value itself, or a JSON list for a composite key.
    sa.Column("row_key", Name(1024), nullable=False),
    sa.Column("action", Name(10), nullable=False),  # INSERT | UPDATE | DELETE
    sa.Column("column_name", Name()),
    sa.Column("old_value", LongText),
    sa.Column("new_value", LongText),
    sa.Index("ix_steward_audit_log_table_name_row_key", "table_name", "row_key"),
)

#: Columns every staging table needs; the generated DDL also adds the lineage columns.
RUN_ID_COLUMN = "dagster_run_id"
SOURCE_HASH_COLUMN = "source_file_hash"
SOURCE_ROW_COLUMN = "source_row_number"
