"""Appending an Arrow stream to an existing table through an ADBC driver.

The driver manager's low-level API, not the drivers' DB-API modules: those import
pandas and ``pyarrow.dataset``, which cost ~0.35 s of start-up and ~55 MB of RSS
for nothing the engine uses. Used by the SQLite loader child
(:mod:`elt_project.db.bulk_load`) and the PostgreSQL binary COPY
(:mod:`elt_project.db.postgres_load`).
"""

from __future__ import annotations

import pyarrow as pa

#: ADBC's standard option naming the target table's schema (no constant is exported for it).
TARGET_DB_SCHEMA = "adbc.ingest.target_db_schema"


def append(connection, table_name: str, reader: pa.RecordBatchReader, *, db_schema: str | None = None) -> None:
    """Append ``reader``'s batches to ``table_name`` on ``connection`` (an ``AdbcConnection``).

    Runs in the connection's current transaction; the caller commits. Callers count
    the rows they hand over: drivers may report -1 ("unknown") instead.
    """
    import adbc_driver_manager

    statement = adbc_driver_manager.AdbcStatement(connection)
    try:
        options = {
            adbc_driver_manager.INGEST_OPTION_TARGET_TABLE: table_name,
            adbc_driver_manager.INGEST_OPTION_MODE: adbc_driver_manager.INGEST_OPTION_MODE_APPEND,
        }
        if db_schema:
            options[TARGET_DB_SCHEMA] = db_schema
        statement.set_options(**options)
        statement.bind_stream(reader.__arrow_c_stream__())
        statement.execute_update()
    finally:
        statement.close()


def execute(connection, sql: str) -> None:
    """Run one statement that returns no rows (a PRAGMA, SET ...)."""
    import adbc_driver_manager

    statement = adbc_driver_manager.AdbcStatement(connection)
    try:
        statement.set_sql_query(sql)
        statement.execute_update()
    finally:
        statement.close()
