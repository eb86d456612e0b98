-- 02_setup_data_governance.sql: data_quality_rules, data_quality_run_logs, elt_rejected_rows
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run: each object is created only when it is missing.

IF OBJECT_ID(N'data_quality_rules', N'U') IS NULL
BEGIN
CREATE TABLE data_quality_rules (
	id INTEGER NOT NULL IDENTITY(1,1),
	rule_name NVARCHAR(255) NOT NULL,
	description NVARCHAR(max) NULL,
	target_table NVARCHAR(255) NOT NULL,
	target_column NVARCHAR(255) NULL,
	check_type NVARCHAR(50) NOT NULL,
	check_expression NVARCHAR(max) NULL,
	severity NVARCHAR(10) NOT NULL DEFAULT 'FAIL',
	is_active BIT NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_data_quality_rules PRIMARY KEY (id),
	CONSTRAINT ck_data_quality_rules_severity CHECK (upper(severity) IN ('FAIL', 'WARN')),
	CONSTRAINT uq_data_quality_rules_rule_name UNIQUE (rule_name)
);
END
GO

IF OBJECT_ID(N'data_quality_run_logs', N'U') IS NULL
BEGIN
CREATE TABLE data_quality_run_logs (
	id INTEGER NOT NULL IDENTITY(1,1),
	run_id NVARCHAR(255) NOT NULL,
	import_name NVARCHAR(255) NULL,
	rule_id INTEGER NULL,
	rule_name NVARCHAR(255) NOT NULL,
	target_table NVARCHAR(255) NULL,
	target_column NVARCHAR(255) NULL,
	check_type NVARCHAR(50) NULL,
	severity NVARCHAR(10) NULL,
	status NVARCHAR(10) NOT NULL,
	failing_row_count BIGINT NOT NULL DEFAULT 0,
	sample_failing_values NVARCHAR(max) NULL,
	message NVARCHAR(max) NULL,
	checked_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_data_quality_run_logs PRIMARY KEY (id)
);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_data_quality_run_logs_run_id' AND object_id = OBJECT_ID(N'data_quality_run_logs'))
BEGIN
CREATE INDEX ix_data_quality_run_logs_run_id ON data_quality_run_logs (run_id);
END
GO

IF OBJECT_ID(N'elt_rejected_rows', N'U') IS NULL
BEGIN
CREATE TABLE elt_rejected_rows (
	id INTEGER NOT NULL IDENTITY(1,1),
	run_id NVARCHAR(255) NOT NULL,
	import_name NVARCHAR(255) NULL,
	rule_name NVARCHAR(255) NOT NULL,
	source_row_number BIGINT NULL,
	row_data NVARCHAR(max) NULL,
	rejected_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_elt_rejected_rows PRIMARY KEY (id)
);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_elt_rejected_rows_run_id' AND object_id = OBJECT_ID(N'elt_rejected_rows'))
BEGIN
CREATE INDEX ix_elt_rejected_rows_run_id ON elt_rejected_rows (run_id);
END
GO
