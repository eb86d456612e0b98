"""Failures told apart by type at the engine's boundary, from real driver errors on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.errors import ConfigurationError, InternalError, TransientError
from elt_project.pipeline.api import run_import
from elt_project.pipeline.failures import classify
from tests.net import free_port
from tests.pipeline.conftest import add_rule, execute, query, write_csv


def test_a_missing_metadata_table_says_to_run_elt_db_upgrade(settings, sales_tables, add_config, inbox):
    """A warehouse whose schema is behind the code: the run says which command fixes it."""
    engine = sales_tables
    config = add_config()
    add_rule(engine, "customer_required", "customer", "NOT_NULL")
    execute(engine, "DROP TABLE elt_rejected_rows")  # as if a migration had not been applied
    write_csv(inbox / "sales_1.csv", [[1, "", "1", "A"]])
    with pytest.raises(ConfigurationError, match=r"run `python3 launch.py elt db upgrade`, then run again") as raised:
        run_import(engine, settings, config)
    assert "Traceback" not in str(raised.value)
    logs = query(engine, "SELECT status, resolution_steps FROM etl_pipeline_run_logs")
    assert logs == [
        (
            "FAILED",
            "Run `python3 launch.py elt db upgrade` to bring the warehouse's metadata tables up to date, "
            "then run again.",
        )
    ]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]


def test_a_refused_connection_is_transient(database_url):
    """A warehouse that cannot be reached now (PostgreSQL on a port where nothing listens)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a server connection; SQLite's transient case is the lock below")
    url = sa.make_url(database_url).set(port=free_port())
    engine = sa.create_engine(url)
    with pytest.raises(sa.exc.OperationalError) as raised:
        engine.connect()
    error = classify(raised.value, "import 'x' was staging")
    assert isinstance(error, TransientError)
    assert "connection failed or was busy while import 'x' was staging" in str(error)


def test_a_locked_sqlite_database_is_transient_and_a_syntax_error_is_not(tmp_path):
    """SQLite raises OperationalError for both: only the lock is worth a retry."""
    path = tmp_path / "w.db"
    holder = sa.create_engine(f"sqlite:///{path}")
    other = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    with holder.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.commit()
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
        with pytest.raises(sa.exc.OperationalError) as locked, other.connect() as blocked:
            blocked.exec_driver_sql("INSERT INTO t VALUES (1)")
        conn.rollback()
    assert isinstance(classify(locked.value, "testing"), TransientError)
    with pytest.raises(sa.exc.OperationalError) as syntax, other.connect() as conn:
        conn.exec_driver_sql("SELEC 1")
    assert isinstance(classify(syntax.value, "testing"), InternalError)


def test_anything_else_is_an_internal_error_that_asks_for_a_report():
    error = classify(KeyError("column"), "import 'x' was staging")
    assert isinstance(error, InternalError)
    assert str(error) == (
        "An unexpected KeyError stopped the run while import 'x' was staging; please report it with the "
        "run's log, which has the details."
    )
