-- 06_setup_analytics.sql: analytics_config, analytics_predictions, analytics_alerts, analytics_hub_tables, analytics_nl2sql_examples, analytics_hub_options, analytics_glossary, analytics_scenarios
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run: each object is created only when it is missing.

IF OBJECT_ID(N'analytics_config', N'U') IS NULL
BEGIN
CREATE TABLE analytics_config (
	id INTEGER NOT NULL IDENTITY(1,1),
	target_table NVARCHAR(255) NOT NULL,
	date_column NVARCHAR(255) NOT NULL,
	value_column NVARCHAR(255) NOT NULL,
	model_type NVARCHAR(50) NOT NULL,
	alert_webhook_url NVARCHAR(max) NULL,
	is_active BIT NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_analytics_config PRIMARY KEY (id)
);
END
GO

IF OBJECT_ID(N'analytics_predictions', N'U') IS NULL
BEGIN
CREATE TABLE analytics_predictions (
	id INTEGER NOT NULL IDENTITY(1,1),
	run_id NVARCHAR(255) NULL,
	target_table NVARCHAR(255) NULL,
	model_type NVARCHAR(50) NULL,
	prediction_date DATETIME NULL,
	actual_value FLOAT NULL,
	predicted_value FLOAT NULL,
	is_anomaly BIT NOT NULL DEFAULT 0,
	anomaly_score FLOAT NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	config_id INTEGER NULL,
	lower_bound FLOAT NULL,
	upper_bound FLOAT NULL,
	CONSTRAINT pk_analytics_predictions PRIMARY KEY (id)
);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_analytics_predictions_config_id' AND object_id = OBJECT_ID(N'analytics_predictions'))
BEGIN
CREATE INDEX ix_analytics_predictions_config_id ON analytics_predictions (config_id);
END
GO

IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_analytics_predictions_run_id' AND object_id = OBJECT_ID(N'analytics_predictions'))
BEGIN
CREATE INDEX ix_analytics_predictions_run_id ON analytics_predictions (run_id);
END
GO

IF OBJECT_ID(N'analytics_alerts', N'U') IS NULL
BEGIN
CREATE TABLE analytics_alerts (
	id INTEGER NOT NULL IDENTITY(1,1),
	config_id INTEGER NOT NULL,
	anomaly_date DATETIME NOT NULL,
	status NVARCHAR(20) NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error NVARCHAR(max) NULL,
	sent_at DATETIME NULL,
	claimed_at DATETIME NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_analytics_alerts PRIMARY KEY (id),
	CONSTRAINT uq_analytics_alerts_config_id_anomaly_date UNIQUE (config_id, anomaly_date)
);
END
GO

IF OBJECT_ID(N'analytics_hub_tables', N'U') IS NULL
BEGIN
CREATE TABLE analytics_hub_tables (
	id INTEGER NOT NULL IDENTITY(1,1),
	table_name NVARCHAR(255) NOT NULL,
	added_by NVARCHAR(255) NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_analytics_hub_tables PRIMARY KEY (id),
	CONSTRAINT uq_analytics_hub_tables_table_name UNIQUE (table_name)
);
END
GO

IF OBJECT_ID(N'analytics_nl2sql_examples', N'U') IS NULL
BEGIN
CREATE TABLE analytics_nl2sql_examples (
	id INTEGER NOT NULL IDENTITY(1,1),
	question NVARCHAR(max) NOT NULL,
	sql_text NVARCHAR(max) NOT NULL,
	created_by NVARCHAR(255) NULL,
	is_active BIT NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_analytics_nl2sql_examples PRIMARY KEY (id)
);
END
GO

IF OBJECT_ID(N'analytics_hub_options', N'U') IS NULL
BEGIN
CREATE TABLE analytics_hub_options (
	id INTEGER NOT NULL IDENTITY(1,1),
	option_name NVARCHAR(100) NOT NULL,
	option_value NVARCHAR(1024) NOT NULL,
	updated_by NVARCHAR(255) NULL,
	updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_analytics_hub_options PRIMARY KEY (id),
	CONSTRAINT uq_analytics_hub_options_option_name UNIQUE (option_name)
);
END
GO

IF OBJECT_ID(N'analytics_glossary', N'U') IS NULL
BEGIN
CREATE TABLE analytics_glossary (
	id INTEGER NOT NULL IDENTITY(1,1),
	term NVARCHAR(100) NOT NULL,
	kind NVARCHAR(20) NOT NULL,
	table_name NVARCHAR(255) NOT NULL,
	definition NVARCHAR(max) NOT NULL,
	created_by NVARCHAR(255) NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_analytics_glossary PRIMARY KEY (id),
	CONSTRAINT uq_analytics_glossary_term UNIQUE (term)
);
END
GO

IF OBJECT_ID(N'analytics_scenarios', N'U') IS NULL
BEGIN
CREATE TABLE analytics_scenarios (
	id INTEGER NOT NULL IDENTITY(1,1),
	name NVARCHAR(200) NOT NULL,
	table_name NVARCHAR(255) NOT NULL,
	measure NVARCHAR(255) NOT NULL,
	spec_json NVARCHAR(max) NOT NULL,
	result_json NVARCHAR(max) NOT NULL,
	data_through DATE NOT NULL,
	model_name NVARCHAR(255) NULL,
	created_by NVARCHAR(255) NOT NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_analytics_scenarios PRIMARY KEY (id),
	CONSTRAINT uq_analytics_scenarios_name UNIQUE (name)
);
END
GO
