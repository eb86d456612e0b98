"""Emptying a staging table after a run must never take another run's rows with it."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from elt_project.db.dialects import delete_run
from elt_project.db.engine import create_warehouse_engine


def test_sqlite_purge_keeps_the_write_lock_from_check_to_truncate(tmp_path):
    path = tmp_path / "w.db"
    engine = create_warehouse_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE stg (v TEXT, dagster_run_id TEXT)")
        conn.exec_driver_sql("INSERT INTO stg VALUES ('1', 'run-a'), ('2', 'run-a')")
    table = sa.Table("stg", sa.MetaData(), autoload_with=engine)
    intruder = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def another_run_stages_now(conn, cursor, statement, parameters, context, executemany):
        # Right before the unqualified DELETE, another process tries to stage its rows.
        if statement.strip().upper() == "DELETE FROM STG" and not intruder:
            other = sqlite3.connect(path, timeout=0.1)
            try:
                other.execute("INSERT INTO stg VALUES ('3', 'run-b')")
                other.commit()
                intruder.append("inserted")
            except sqlite3.OperationalError:
                intruder.append("locked out")
            finally:
                other.close()

    with engine.begin() as conn:
        delete_run(conn, table, table.c.dagster_run_id, "run-a")
    with engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT v, dagster_run_id FROM stg").all()
    engine.dispose()
    assert intruder == ["locked out"]  # it waits for the purge instead of being purged
    assert left == []


def test_purge_deletes_only_the_run_when_others_are_there(engine):
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE stg (v VARCHAR(5), dagster_run_id VARCHAR(20))")
        conn.exec_driver_sql("INSERT INTO stg VALUES ('1', 'run-a'), ('2', 'run-b'), ('3', NULL)")
    table = sa.Table("stg", sa.MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        delete_run(conn, table, table.c.dagster_run_id, "run-a")
    with engine.connect() as conn:
        left = sorted(conn.exec_driver_sql("SELECT v FROM stg").scalars())
    assert left == ["2", "3"]
