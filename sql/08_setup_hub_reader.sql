-- 08_setup_hub_reader.sql: the hub's read-only user elt_hub_reader
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run. Run it after 01-07. Then let the hub's login switch to the reader:
--   GRANT IMPERSONATE ON USER::elt_hub_reader TO <the hub's database user>;

IF DATABASE_PRINCIPAL_ID(N'elt_hub_reader') IS NULL
BEGIN
CREATE USER elt_hub_reader WITHOUT LOGIN;
END
GO
ALTER ROLE db_datareader ADD MEMBER elt_hub_reader;
GO
IF OBJECT_ID(N'analytics_alerts', N'U') IS NOT NULL DENY SELECT ON analytics_alerts TO elt_hub_reader;
IF OBJECT_ID(N'analytics_config', N'U') IS NOT NULL DENY SELECT ON analytics_config TO elt_hub_reader;
IF OBJECT_ID(N'analytics_glossary', N'U') IS NOT NULL DENY SELECT ON analytics_glossary TO elt_hub_reader;
IF OBJECT_ID(N'analytics_hub_options', N'U') IS NOT NULL DENY SELECT ON analytics_hub_options TO elt_hub_reader;
IF OBJECT_ID(N'analytics_hub_tables', N'U') IS NOT NULL DENY SELECT ON analytics_hub_tables TO elt_hub_reader;
IF OBJECT_ID(N'analytics_nl2sql_examples', N'U') IS NOT NULL DENY SELECT ON analytics_nl2sql_examples TO elt_hub_reader;
IF OBJECT_ID(N'analytics_predictions', N'U') IS NOT NULL DENY SELECT ON analytics_predictions TO elt_hub_reader;
IF OBJECT_ID(N'analytics_scenarios', N'U') IS NOT NULL DENY SELECT ON analytics_scenarios TO elt_hub_reader;
IF OBJECT_ID(N'data_enrichment_rules', N'U') IS NOT NULL DENY SELECT ON data_enrichment_rules TO elt_hub_reader;
IF OBJECT_ID(N'data_quality_rules', N'U') IS NOT NULL DENY SELECT ON data_quality_rules TO elt_hub_reader;
IF OBJECT_ID(N'data_quality_run_logs', N'U') IS NOT NULL DENY SELECT ON data_quality_run_logs TO elt_hub_reader;
IF OBJECT_ID(N'elt_file_ledger', N'U') IS NOT NULL DENY SELECT ON elt_file_ledger TO elt_hub_reader;
IF OBJECT_ID(N'elt_freshness_alerts', N'U') IS NOT NULL DENY SELECT ON elt_freshness_alerts TO elt_hub_reader;
IF OBJECT_ID(N'elt_pipeline_configs', N'U') IS NOT NULL DENY SELECT ON elt_pipeline_configs TO elt_hub_reader;
IF OBJECT_ID(N'elt_rejected_rows', N'U') IS NOT NULL DENY SELECT ON elt_rejected_rows TO elt_hub_reader;
IF OBJECT_ID(N'elt_schema_changes', N'U') IS NOT NULL DENY SELECT ON elt_schema_changes TO elt_hub_reader;
IF OBJECT_ID(N'elt_user_permissions', N'U') IS NOT NULL DENY SELECT ON elt_user_permissions TO elt_hub_reader;
IF OBJECT_ID(N'elt_users', N'U') IS NOT NULL DENY SELECT ON elt_users TO elt_hub_reader;
IF OBJECT_ID(N'etl_pipeline_run_logs', N'U') IS NOT NULL DENY SELECT ON etl_pipeline_run_logs TO elt_hub_reader;
IF OBJECT_ID(N'steward_audit_log', N'U') IS NOT NULL DENY SELECT ON steward_audit_log TO elt_hub_reader;
IF OBJECT_ID(N'steward_editable_tables', N'U') IS NOT NULL DENY SELECT ON steward_editable_tables TO elt_hub_reader;
IF OBJECT_ID(N'alembic_version', N'U') IS NOT NULL DENY SELECT ON alembic_version TO elt_hub_reader;
GO
