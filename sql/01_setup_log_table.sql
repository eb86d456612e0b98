-- 01_setup_log_table.sql: etl_pipeline_run_logs
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run: each object is created only when it is missing.

IF OBJECT_ID(N'etl_pipeline_run_logs', N'U') IS NULL
BEGIN
CREATE TABLE etl_pipeline_run_logs (
	id INTEGER NOT NULL IDENTITY(1,1),
	run_id NVARCHAR(255) NOT NULL,
	pipeline_name NVARCHAR(255) NULL,
	import_name NVARCHAR(255) NULL,
	file_name NVARCHAR(1024) NULL,
	file_hash NVARCHAR(64) NULL,
	[trigger] NVARCHAR(20) NULL,
	status NVARCHAR(30) NOT NULL,
	start_time DATETIME NOT NULL,
	end_time DATETIME NULL,
	rows_read BIGINT NULL,
	rows_staged BIGINT NULL,
	rows_rejected BIGINT NULL,
	rows_deduplicated BIGINT NULL,
	rows_loaded BIGINT NULL,
	error_message NVARCHAR(max) NULL,
	error_details NVARCHAR(max) NULL,
	resolution_steps NVARCHAR(max) NULL,
	CONSTRAINT pk_etl_pipeline_run_logs PRIMARY KEY (id)
);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_etl_pipeline_run_logs_import_name' AND object_id = OBJECT_ID(N'etl_pipeline_run_logs'))
BEGIN
CREATE INDEX ix_etl_pipeline_run_logs_import_name ON etl_pipeline_run_logs (import_name);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_etl_pipeline_run_logs_run_id' AND object_id = OBJECT_ID(N'etl_pipeline_run_logs'))
BEGIN
CREATE INDEX ix_etl_pipeline_run_logs_run_id ON etl_pipeline_run_logs (run_id);
END
GO
