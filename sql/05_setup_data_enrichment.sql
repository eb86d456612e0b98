-- 05_setup_data_enrichment.sql: data_enrichment_rules
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run: each object is created only when it is missing.

IF OBJECT_ID(N'data_enrichment_rules', N'U') IS NULL
BEGIN
CREATE TABLE data_enrichment_rules (
	id INTEGER NOT NULL IDENTITY(1,1),
	rule_name NVARCHAR(255) NOT NULL,
	description NVARCHAR(max) NULL,
	target_staging_table NVARCHAR(255) NOT NULL,
	target_column_to_enrich NVARCHAR(255) NOT NULL,
	lookup_table NVARCHAR(255) NOT NULL,
	lookup_key_column_staging NVARCHAR(255) NOT NULL,
	lookup_key_column_lookup NVARCHAR(255) NOT NULL,
	lookup_value_column NVARCHAR(255) NOT NULL,
	is_active BIT NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_data_enrichment_rules PRIMARY KEY (id),
	CONSTRAINT uq_data_enrichment_rules_rule_name UNIQUE (rule_name)
);
END
GO
