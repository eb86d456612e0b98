"""Numbered setup scripts for DBAs, generated from the one table definition in ``schema.py``.

SQL Server shops often create tables by hand from reviewed scripts instead of letting
an application migrate its own schema. The scripts in ``sql/`` serve them, and they
are *generated* so they can never disagree with ``schema.metadata``: a test
regenerates them and fails when the checked-in copies drift.

Every object is created only when missing (``IF OBJECT_ID(...) IS NULL`` for tables,
a ``sys.indexes`` lookup for indexes), so a DBA can re-run any script. A warehouse
built from these scripts is adopted as it is by ``elt db upgrade`` (the Alembic
baseline only creates what is missing).

PostgreSQL and SQLite get the same DDL with ``IF NOT EXISTS`` for printing; they are
normally migrated by ``elt db upgrade`` and are not checked in.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from elt_project.db import schema
from elt_project.errors import ConfigurationError

#: Script file name -> the metadata tables it creates, in order. Every table of
#: ``schema.metadata`` appears in exactly one script (a test keeps it so).
SCRIPT_TABLES: dict[str, tuple[str, ...]] = {
    "01_setup_log_table.sql": ("etl_pipeline_run_logs",),
    "02_setup_data_governance.sql": ("data_quality_rules", "data_quality_run_logs", "elt_rejected_rows"),
    "03_manage_elt_pipeline_configs.sql": (
        "elt_pipeline_configs",
        "elt_file_ledger",
        "elt_freshness_alerts",
        "elt_schema_changes",
    ),
    "04_setup_users_and_permissions.sql": ("elt_users", "elt_user_permissions"),
    "05_setup_data_enrichment.sql": ("data_enrichment_rules",),
    "06_setup_analytics.sql": (
        "analytics_config",
        "analytics_predictions",
        "analytics_alerts",
        "analytics_hub_tables",
        "analytics_nl2sql_examples",
        "analytics_hub_options",
        "analytics_glossary",
        "analytics_scenarios",
    ),
    "07_setup_data_steward.sql": ("steward_editable_tables", "steward_audit_log"),
}

#: SQL Server only: the hub's reader user, made after every table exists.
HUB_READER_SCRIPT = "08_setup_hub_reader.sql"
#: The database user hub queries run as on SQL Server (EXECUTE AS USER); HUB_READER_ROLE overrides it.
MSSQL_HUB_READER = "elt_hub_reader"

SCRIPT_DIALECTS = ("mssql", "postgresql", "sqlite")
REGENERATE_COMMAND = "elt db script --dialect mssql"
#: The SQL Server version generated SQL is written for (2016+ is needed for STRING_SPLIT).
MSSQL_TARGET_VERSION = (13,)

_HEADER = (
    "-- {name}: {tables}\n"
    "-- Generated from elt_project/db/schema.py by `{command}`; do not edit by hand.\n"
    "-- Safe to re-run: each object is created only when it is missing.\n"
)


def dialect_for(name: str) -> Dialect:
    """A SQLAlchemy dialect object for ``mssql``, ``postgresql`` or ``sqlite`` (no driver needed)."""
    key = name.strip().lower()
    if key in ("mssql", "sqlserver", "tsql"):
        from sqlalchemy.dialects import mssql

        dialect = mssql.dialect()
        # Offline, SQLAlchemy assumes a pre-2008 server and would turn DATE into DATETIME.
        dialect.server_version_info = MSSQL_TARGET_VERSION
        dialect._supports_nvarchar_max = True
        return dialect
    if key in ("postgresql", "postgres"):
        from sqlalchemy.dialects import postgresql

        return postgresql.dialect()
    if key == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()
    raise ConfigurationError(f"Unknown SQL dialect '{name}'; use one of: {', '.join(SCRIPT_DIALECTS)}.")


def render_scripts(dialect: str = "mssql") -> dict[str, str]:
    """File name -> script text for every numbered script, in order."""
    sql_dialect = dialect_for(dialect)
    command = f"elt db script --dialect {sql_dialect.name}"
    scripts: dict[str, str] = {}
    for name, table_names in SCRIPT_TABLES.items():
        parts = [_HEADER.format(name=name, tables=", ".join(table_names), command=command)]
        for table_name in table_names:
            table = schema.metadata.tables[table_name]
            parts.extend(_table_statements(table, sql_dialect))
        scripts[name] = "\n".join(parts)
    if sql_dialect.name == "mssql":
        scripts[HUB_READER_SCRIPT] = hub_reader_script(command)
    return scripts


def hub_reader_script(command: str = REGENERATE_COMMAND, user: str = MSSQL_HUB_READER) -> str:
    """T-SQL for the hub's reader: a user without a login that reads every table but the metadata.

    It is a member of ``db_datareader`` (so tables added later are readable) with
    ``DENY SELECT`` on every metadata table, which wins over the role's grant. The hub's
    own login switches to it for each query (``EXECUTE AS USER``), so the DBA grants
    that login ``IMPERSONATE`` on it (a database owner may already).
    """
    denied = sorted(schema.metadata.tables) + ["alembic_version"]
    lines = [
        f"-- {HUB_READER_SCRIPT}: the hub's read-only user {user}",
        f"-- Generated from elt_project/db/schema.py by `{command}`; do not edit by hand.",
        "-- Safe to re-run. Run it after 01-07. Then let the hub's login switch to the reader:",
        f"--   GRANT IMPERSONATE ON USER::{user} TO <the hub's database user>;",
        "",
        f"IF DATABASE_PRINCIPAL_ID({_nstring(user)}) IS NULL",
        "BEGIN",
        f"CREATE USER {user} WITHOUT LOGIN;",
        "END",
        "GO",
        f"ALTER ROLE db_datareader ADD MEMBER {user};",
        "GO",
    ]
    for table in denied:
        lines.append(f"IF OBJECT_ID({_nstring(table)}, N'U') IS NOT NULL DENY SELECT ON {table} TO {user};")
    lines.append("GO")
    return "\n".join(lines) + "\n"


def render_combined(dialect: str) -> str:
    """All scripts concatenated, for printing to stdout."""
    return "\n".join(render_scripts(dialect).values())


def write_scripts(out_dir: Path, dialect: str = "mssql") -> list[Path]:
    """Write the numbered scripts into ``out_dir``; returns the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_scripts(dialect).items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written


def unassigned_tables() -> list[str]:
    """Metadata tables that no numbered script creates (should be empty)."""
    assigned = {t for tables in SCRIPT_TABLES.values() for t in tables}
    return sorted(set(schema.metadata.tables) - assigned)


def _table_statements(table: sa.Table, dialect: Dialect) -> list[str]:
    indexes = sorted(table.indexes, key=lambda ix: ix.name or "")
    if dialect.name == "mssql":
        statements = [_mssql_guard_table(table, _compile(CreateTable(table), dialect))]
        statements += [_mssql_guard_index(ix, _compile(CreateIndex(ix), dialect)) for ix in indexes]
        return statements
    statements = [_compile(CreateTable(table, if_not_exists=True), dialect) + ";\n"]
    statements += [_compile(CreateIndex(ix, if_not_exists=True), dialect) + ";\n" for ix in indexes]
    return statements


def _compile(element, dialect: Dialect) -> str:
    text = str(element.compile(dialect=dialect)).strip()
    # SQLAlchemy ends column lines with ", " before the newline; trailing blanks make noisy diffs.
    return "\n".join(line.rstrip() for line in text.splitlines())


def _nstring(value: str) -> str:
    """An N'...' literal for an object name (names come from schema.py, quotes doubled anyway)."""
    return "N'" + value.replace("'", "''") + "'"


def _mssql_guard_table(table: sa.Table, ddl: str) -> str:
    # The semicolon inside BEGIN ... END keeps the block one statement for parsers and SSMS alike.
    return f"IF OBJECT_ID({_nstring(table.name)}, N'U') IS NULL\nBEGIN\n{ddl};\nEND\nGO\n"


def _mssql_guard_index(index: sa.Index, ddl: str) -> str:
    return (
        "IF NOT EXISTS (SELECT 1 FROM sys.indexes "  # noqa: S608 — generated script text: identifiers quoted by the dialect, names as N'' literals
        f"WHERE name = {_nstring(str(index.name))} AND object_id = OBJECT_ID({_nstring(index.table.name)}))\n"
        f"BEGIN\n{ddl};\nEND\nGO\n"
    )
