-- 07_setup_data_steward.sql: steward_editable_tables, steward_audit_log
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run: each object is created only when it is missing.

IF OBJECT_ID(N'steward_editable_tables', N'U') IS NULL
BEGIN
CREATE TABLE steward_editable_tables (
	id INTEGER NOT NULL IDENTITY(1,1),
	table_name NVARCHAR(255) NOT NULL,
	allowed_by NVARCHAR(255) NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_steward_editable_tables PRIMARY KEY (id),
	CONSTRAINT uq_steward_editable_tables_table_name UNIQUE (table_name)
);
END
GO

IF OBJECT_ID(N'steward_audit_log', N'U') IS NULL
BEGIN
CREATE TABLE steward_audit_log (
	id INTEGER NOT NULL IDENTITY(1,1),
	change_id NVARCHAR(36) NOT NULL,
	changed_by NVARCHAR(255) NOT NULL,
	changed_at DATETIME NOT NULL,
	table_name NVARCHAR(255) NOT NULL,
	row_key NVARCHAR(1024) NOT NULL,
	action NVARCHAR(10) NOT NULL,
	column_name NVARCHAR(255) NULL,
	old_value NVARCHAR(max) NULL,
	new_value NVARCHAR(max) NULL,
	CONSTRAINT pk_steward_audit_log PRIMARY KEY (id)
);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_steward_audit_log_change_id' AND object_id = OBJECT_ID(N'steward_audit_log'))
BEGIN
CREATE INDEX ix_steward_audit_log_change_id ON steward_audit_log (change_id);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_steward_audit_log_table_name_row_key' AND object_id = OBJECT_ID(N'steward_audit_log'))
BEGIN
CREATE INDEX ix_steward_audit_log_table_name_row_key ON steward_audit_log (table_name, row_key);
END
GO
