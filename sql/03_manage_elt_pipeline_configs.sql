-- 03_manage_elt_pipeline_configs.sql: elt_pipeline_configs, elt_file_ledger, elt_freshness_alerts, elt_schema_changes
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run: each object is created only when it is missing.

IF OBJECT_ID(N'elt_pipeline_configs', N'U') IS NULL
BEGIN
CREATE TABLE elt_pipeline_configs (
	id INTEGER NOT NULL IDENTITY(1,1),
	pipeline_name NVARCHAR(255) NOT NULL,
	import_name NVARCHAR(255) NOT NULL,
	file_pattern NVARCHAR(255) NULL,
	monitored_directory NVARCHAR(1024) NULL,
	connection_string NVARCHAR(1024) NULL,
	file_type NVARCHAR(50) NULL,
	staging_table NVARCHAR(255) NULL,
	destination_table NVARCHAR(255) NULL,
	parser_function NVARCHAR(255) NULL,
	scraper_config NVARCHAR(max) NULL,
	column_mapping NVARCHAR(max) NULL,
	transform_procedure NVARCHAR(255) NULL,
	load_method NVARCHAR(20) NOT NULL DEFAULT 'replace',
	deduplication_key NVARCHAR(1024) NULL,
	depends_on NVARCHAR(1024) NULL,
	on_success_deactivate_self_and_activate_import NVARCHAR(255) NULL,
	is_active BIT NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	last_import_date DATETIME NULL,
	staging_retention_days INTEGER NULL,
	archive_processed_files BIT NOT NULL DEFAULT 0,
	expected_schedule NVARCHAR(255) NULL,
	expected_min_rows BIGINT NULL,
	schema_policy NVARCHAR(20) NOT NULL DEFAULT 'freeze',
	schema_allow_missing BIT NOT NULL DEFAULT 0,
	CONSTRAINT pk_elt_pipeline_configs PRIMARY KEY (id),
	CONSTRAINT ck_elt_pipeline_configs_load_method CHECK (lower(load_method) IN ('replace', 'append')),
	CONSTRAINT uq_elt_pipeline_configs_import_name UNIQUE (import_name)
);
END
GO

IF OBJECT_ID(N'elt_file_ledger', N'U') IS NULL
BEGIN
CREATE TABLE elt_file_ledger (
	id INTEGER NOT NULL IDENTITY(1,1),
	import_name NVARCHAR(255) NOT NULL,
	content_hash NVARCHAR(64) NOT NULL,
	file_path NVARCHAR(1024) NOT NULL,
	file_size BIGINT NOT NULL,
	file_mtime FLOAT NOT NULL,
	status NVARCHAR(20) NOT NULL,
	run_id NVARCHAR(255) NULL,
	rows_loaded BIGINT NULL,
	error_message NVARCHAR(max) NULL,
	first_seen_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	updated_at DATETIME NULL,
	CONSTRAINT pk_elt_file_ledger PRIMARY KEY (id),
	CONSTRAINT uq_elt_file_ledger_import_name_content_hash UNIQUE (import_name, content_hash)
);
END
GO

IF OBJECT_ID(N'elt_freshness_alerts', N'U') IS NULL
BEGIN
CREATE TABLE elt_freshness_alerts (
	id INTEGER NOT NULL IDENTITY(1,1),
	import_name NVARCHAR(255) NOT NULL,
	overdue_since DATETIME NOT NULL,
	kind NVARCHAR(10) NOT NULL,
	status NVARCHAR(20) NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error NVARCHAR(max) NULL,
	sent_at DATETIME NULL,
	claimed_at DATETIME NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_elt_freshness_alerts PRIMARY KEY (id),
	CONSTRAINT uq_elt_freshness_alerts_import_name_overdue_since_kind UNIQUE (import_name, overdue_since, kind)
);
END
GO

IF OBJECT_ID(N'elt_schema_changes', N'U') IS NULL
BEGIN
CREATE TABLE elt_schema_changes (
	id INTEGER NOT NULL IDENTITY(1,1),
	import_name NVARCHAR(255) NOT NULL,
	run_id NVARCHAR(255) NULL,
	file_name NVARCHAR(1024) NULL,
	action NVARCHAR(30) NOT NULL,
	columns NVARCHAR(max) NOT NULL,
	detail NVARCHAR(max) NULL,
	proposed_ddl NVARCHAR(max) NULL,
	recorded_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_elt_schema_changes PRIMARY KEY (id)
);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_elt_schema_changes_import_name' AND object_id = OBJECT_ID(N'elt_schema_changes'))
BEGIN
CREATE INDEX ix_elt_schema_changes_import_name ON elt_schema_changes (import_name);
END
GO
