-- 04_setup_users_and_permissions.sql: elt_users, elt_user_permissions
-- Generated from elt_project/db/schema.py by `elt db script --dialect mssql`; do not edit by hand.
-- Safe to re-run: each object is created only when it is missing.

IF OBJECT_ID(N'elt_users', N'U') IS NULL
BEGIN
CREATE TABLE elt_users (
	id INTEGER NOT NULL IDENTITY(1,1),
	username NVARCHAR(255) NOT NULL,
	password_hash NVARCHAR(512) NOT NULL,
	role NVARCHAR(20) NOT NULL DEFAULT 'user',
	is_active BIT NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_elt_users PRIMARY KEY (id),
	CONSTRAINT uq_elt_users_username UNIQUE (username)
);
END
GO

IF OBJECT_ID(N'elt_user_permissions', N'U') IS NULL
BEGIN
CREATE TABLE elt_user_permissions (
	id INTEGER NOT NULL IDENTITY(1,1),
	username NVARCHAR(255) NOT NULL,
	pipeline_name NVARCHAR(255) NOT NULL,
	created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT pk_elt_user_permissions PRIMARY KEY (id),
	CONSTRAINT uq_elt_user_permissions_username_pipeline_name UNIQUE (username, pipeline_name)
);
END
GO
