"""End to end: files in a folder → staging → quality → destination, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
import sqlalchemy as sa

from elt_project.config.repository import get_pipeline_config
from elt_project.errors import ConfigurationError, TransformError, TransientError
from elt_project.pipeline.api import new_run_id, run_import, run_pipeline, stage_import, transform_group
from tests.pipeline.conftest import DEST_DDL, execute, query, write_csv

ROWS = [[1, "Ann", "10.50", "A"], [2, "Bob", "", "I"], [3, "Cy", "7", "A"]]


def test_happy_path_loads_logs_and_cleans_staging(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config()
    write_csv(inbox / "sales_1.csv", ROWS)
    summary = run_import(engine, settings, config)

    stage = summary.stages[0]
    assert (stage.rows_read, stage.rows_staged) == (3, 3)
    assert stage.preview[0]["customer"] == "Ann"
    assert summary.transform.rows_loaded == {"sales_daily": 3}
    rows = query(engine, "SELECT order_id, customer, amount, status FROM dest_sales ORDER BY order_id")
    assert [(r[0], r[1], None if r[2] is None else float(r[2]), r[3]) for r in rows] == [
        (1, "Ann", 10.5, "A"),
        (2, "Bob", None, "I"),
        (3, "Cy", 7.0, "A"),
    ]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]  # default retention: purged on success
    log = query(
        engine,
        "SELECT status, rows_read, rows_staged, rows_loaded, file_name, error_message FROM etl_pipeline_run_logs",
    )
    assert log == [("SUCCESS", 3, 3, 3, "sales_1.csv", None)]
    assert query(engine, "SELECT status, rows_loaded FROM elt_file_ledger") == [("LOADED", 3)]
    assert get_pipeline_config(engine, "sales_daily").last_import_date is not None


def test_lineage_columns_filled_when_kept(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(staging_retention_days=3)
    write_csv(inbox / "sales_1.csv", ROWS)
    summary = run_import(engine, settings, config)
    staged = query(
        engine, "SELECT dagster_run_id, source_file_hash, source_row_number FROM stg_sales ORDER BY source_row_number"
    )
    file_hash = summary.stages[0].files[0].content_hash
    assert staged == [(summary.run_id, file_hash, 1), (summary.run_id, file_hash, 2), (summary.run_id, file_hash, 3)]


def test_replace_truncates_and_append_keeps(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (99, 'old')")
    config = add_config(file_pattern="r_*.csv")
    write_csv(inbox / "r_1.csv", ROWS[:1])
    run_import(engine, settings, config)
    assert query(engine, "SELECT order_id FROM dest_sales") == [(1,)]

    appender = add_config(import_name="sales_append", load_method="append", file_pattern="a_*.csv")
    write_csv(inbox / "a_1.csv", ROWS[1:])
    result = run_import(engine, settings, appender)
    assert result.transform.truncated_tables == []
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,), (3,)]


def test_several_files_of_a_replace_import_all_land(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config()
    write_csv(inbox / "sales_1.csv", ROWS[:2])
    write_csv(inbox / "sales_2.csv", ROWS[2:])
    summary = run_import(engine, settings, config)
    assert summary.transform.truncated_tables == ["dest_sales"]
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(3,)]


def test_same_file_renamed_is_duplicate_and_changed_file_loads(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(load_method="append")
    first = write_csv(inbox / "sales_1.csv", ROWS)
    run_import(engine, settings, config, [first])
    renamed = write_csv(inbox / "sales_copy.csv", ROWS)
    summary = run_import(engine, settings, config, [renamed])
    assert [f.status for f in summary.stages[0].files] == ["duplicate"]
    assert summary.transform is None
    statuses = query(engine, "SELECT status FROM etl_pipeline_run_logs ORDER BY id")
    assert statuses == [("SUCCESS",), ("SKIPPED_DUPLICATE",)]
    # Changed content (not merely grown: a grown file is refused, see test_growth.py) loads as a new file.
    changed = write_csv(inbox / "sales_1.csv", [[4, "Di", "1", "A"]] + ROWS)
    run_import(engine, settings, config, [changed])
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(7,)]
    # files=None sees only files whose content was never loaded: nothing new now.
    nothing = run_import(engine, settings, config)
    assert nothing.stages[0].files == [] and nothing.transform is None


def test_crash_between_stage_and_transform_restages_and_loads_once(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(load_method="append")
    write_csv(inbox / "sales_1.csv", ROWS)
    crashed = new_run_id()
    stage_import(engine, settings, config, run_id=crashed)  # the process "dies" before transform_group
    summary = run_import(engine, settings, config)
    assert summary.stages[0].staged_files
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(3,)]
    # a late transform of the crashed run finds nothing of its own to load, says so and leaves nothing behind
    with pytest.raises(TransientError, match="Another run took over"):
        transform_group(engine, settings, [config], run_id=crashed)
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(3,)]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
    assert query(engine, "SELECT status FROM etl_pipeline_run_logs WHERE run_id = :r", r=crashed) == [("FAILED",)]


def test_transform_script_error_rolls_back_and_ledger_not_loaded(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite transform scripts")
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (99, 'old')")
    (settings.transforms_dir / "sp_bad.sql").write_text(
        "INSERT INTO dest_sales (order_id) SELECT order_id FROM stg_sales WHERE dagster_run_id = :run_id;\n"
        "INSERT INTO no_such_table VALUES (1);\n"
    )
    config = add_config(transform_procedure="sp_bad")
    write_csv(inbox / "sales_1.csv", ROWS)
    with pytest.raises(TransformError, match="sp_bad"):
        run_import(engine, settings, config)
    assert query(engine, "SELECT order_id, customer FROM dest_sales") == [(99, "old")]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]
    assert query(engine, "SELECT status, resolution_steps IS NOT NULL FROM etl_pipeline_run_logs") == [("FAILED", 1)]
    # fixed script: the failed file is retried and loads
    (settings.transforms_dir / "sp_bad.sql").write_text(
        "-- a comment\nDELETE FROM dest_sales WHERE :tables_to_truncate IS NULL;\n"
        "INSERT INTO dest_sales (order_id, customer) SELECT order_id, customer || ':x' FROM stg_sales "
        "WHERE dagster_run_id = :run_id;\n"
    )
    run_import(engine, settings, config)
    assert query(engine, "SELECT customer FROM dest_sales ORDER BY order_id") == [("Ann:x",), ("Bob:x",), ("Cy:x",)]


def test_unique_violation_in_destination_rolls_back(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(engine, "CREATE UNIQUE INDEX ux_dest_sales ON dest_sales (order_id)")
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (2, 'kept')")
    config = add_config(load_method="append")
    write_csv(inbox / "sales_1.csv", ROWS)
    with pytest.raises(TransformError, match="unique key"):
        run_import(engine, settings, config)
    assert query(engine, "SELECT order_id, customer FROM dest_sales") == [(2, "kept")]


def test_replace_to_append_switch(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    initial = add_config(import_name="first_load", on_success_deactivate_self_and_activate_import="delta")
    add_config(import_name="delta", load_method="append", is_active=0)
    write_csv(inbox / "sales_1.csv", ROWS)
    summary = run_import(engine, settings, initial)
    assert summary.transform.activated_imports == ["delta"]
    flags = query(engine, "SELECT import_name, is_active FROM elt_pipeline_configs ORDER BY import_name")
    assert flags == [("delta", 1), ("first_load", 0)]


def test_switch_to_unknown_import_is_a_configuration_error(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(on_success_deactivate_self_and_activate_import="nope")
    write_csv(inbox / "sales_1.csv", ROWS)
    with pytest.raises(ConfigurationError, match="'nope'"):
        run_import(engine, settings, config)
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(0,)]


def test_shared_procedure_called_once(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(engine, "CREATE TABLE calls (run_id VARCHAR(255), tables VARCHAR(255))")
    if engine.dialect.name == "sqlite":
        (settings.transforms_dir / "sp_sales.sql").write_text(
            "INSERT INTO calls VALUES (:run_id, :tables_to_truncate);\n"
            "INSERT INTO dest_sales (order_id, customer) SELECT CAST(order_id AS INTEGER), customer "
            "FROM stg_sales WHERE dagster_run_id = :run_id;\n"
        )
    else:
        execute(
            engine,
            "CREATE PROCEDURE sp_sales(p_run_id text, p_tables text) LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO calls VALUES (p_run_id, p_tables); "
            "IF p_tables IS NOT NULL THEN EXECUTE 'TRUNCATE TABLE ' || p_tables; END IF; "
            "INSERT INTO dest_sales (order_id, customer) SELECT CAST(order_id AS INTEGER), customer "
            "FROM stg_sales WHERE dagster_run_id = p_run_id; END $$",
        )
    execute(engine, "INSERT INTO dest_sales (order_id, customer) VALUES (99, 'old')")
    add_config(import_name="east", file_pattern="east_*.csv", transform_procedure="sp_sales")
    add_config(import_name="west", file_pattern="west_*.csv", transform_procedure="sp_sales", load_method="append")
    write_csv(inbox / "east_1.csv", ROWS[:1])
    write_csv(inbox / "west_1.csv", ROWS[1:])
    summary = run_pipeline(engine, settings, "sales")
    assert not summary.failed
    assert query(engine, "SELECT run_id, tables FROM calls") == [(summary.run_id, "dest_sales")]
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,), (3,)]
    assert summary.transform.rows_loaded == {"east": 1, "west": 2}


def test_retention_purges_old_failed_runs(settings, sales_tables, add_config, inbox):
    from datetime import timedelta

    from elt_project.pipeline.ledger import utcnow

    engine = sales_tables
    config = add_config()
    execute(
        engine,
        "INSERT INTO stg_sales (order_id, dagster_run_id) VALUES ('1', 'old-run'), ('2', 'recent-run')",
        "INSERT INTO etl_pipeline_run_logs (run_id, import_name, status, start_time) VALUES "
        "('old-run', 'sales_daily', 'QUALITY_FAILED', :old), ('recent-run', 'sales_daily', 'FAILED', :recent)",
        params={"old": utcnow() - timedelta(days=8), "recent": utcnow() - timedelta(days=1)},
    )
    run_import(engine, settings, config)  # no files: still purges at the start
    assert query(engine, "SELECT dagster_run_id FROM stg_sales") == [("recent-run",)]


def test_success_cleanup_keeps_other_runs_rows(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config()
    execute(engine, "INSERT INTO stg_sales (order_id, dagster_run_id) VALUES ('9', 'failed-yesterday')")
    write_csv(inbox / "sales_1.csv", ROWS)
    run_import(engine, settings, config)
    assert query(engine, "SELECT order_id, dagster_run_id FROM stg_sales") == [("9", "failed-yesterday")]
    write_csv(inbox / "sales_2.csv", ROWS[:1])
    execute(engine, "DELETE FROM stg_sales")
    run_import(engine, settings, config)  # alone in the table: emptied in one step
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]


def test_archive_moves_loaded_and_failed_files_beside_the_folder(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(archive_processed_files=1)
    write_csv(inbox / "sales_1.csv", ROWS)
    run_import(engine, settings, config)
    assert not (inbox / "sales_1.csv").exists()
    assert (inbox.parent / "processed" / "sales_1.csv").is_file()
    write_csv(
        inbox / "sales_2.csv",
        [[1, "Ann", "1", "A", "extra"]],
        header=["order_id", "customer", "amount", "status", "zzz"],
    )
    with pytest.raises(ConfigurationError):
        run_import(engine, settings, config)
    assert (inbox.parent / "failed" / "sales_2.csv").is_file()


def test_explicit_file_outside_monitored_folder_is_refused(settings, sales_tables, add_config, inbox, tmp_path):
    from elt_project.errors import EltError

    engine = sales_tables
    config = add_config()
    outside = write_csv(tmp_path / "elsewhere" / "sales_1.csv", ROWS)
    with pytest.raises(EltError):
        run_import(engine, settings, config, [outside])
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(0,)]


def test_pipeline_run_loads_good_imports_and_reports_the_bad_one(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    execute(
        engine,
        "CREATE TABLE stg_other (x VARCHAR(5), dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_other (x VARCHAR(5))",
    )
    add_config(
        import_name="broken", file_pattern="broken_*.csv", staging_table="stg_other", destination_table="dest_other"
    )
    add_config(import_name="good", file_pattern="sales_*.csv")
    write_csv(inbox / "broken_1.csv", [[1]], header=["not_there"])
    write_csv(inbox / "sales_1.csv", ROWS)
    summary = run_pipeline(engine, settings, "sales")
    assert summary.failed and len(summary.errors) == 1 and "not_there" in summary.errors[0]
    assert [s.import_name for s in summary.stages] == ["good"]
    assert summary.transform.imports == ["good"]
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(3,)]
    statuses = dict(query(engine, "SELECT import_name, status FROM etl_pipeline_run_logs"))
    assert statuses == {"broken": "FAILED", "good": "SUCCESS"}


def test_postgres_procedure_error_rolls_back(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL procedures")
    execute(
        engine,
        "INSERT INTO dest_sales (order_id, customer) VALUES (99, 'old')",
        "CREATE PROCEDURE sp_fails(p_run_id text, p_tables text) LANGUAGE plpgsql AS $$ BEGIN "
        "IF p_tables IS NOT NULL THEN EXECUTE 'TRUNCATE TABLE ' || p_tables; END IF; "
        "INSERT INTO dest_sales (order_id) VALUES (1); RAISE EXCEPTION 'business rule broken'; END $$",
    )
    config = add_config(transform_procedure="sp_fails")
    write_csv(inbox / "sales_1.csv", ROWS)
    with pytest.raises(TransformError, match="sp_fails.*business rule broken"):
        run_import(engine, settings, config)
    assert query(engine, "SELECT order_id, customer FROM dest_sales") == [(99, "old")]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]


def test_imports_sharing_a_destination_report_their_own_rows(settings, sales_tables, add_config, inbox):
    add_config(import_name="sales_a", file_pattern="a_*.csv", load_method="append")
    add_config(import_name="sales_b", file_pattern="b_*.csv", load_method="append")
    write_csv(inbox / "a_1.csv", [[1, "Ann", "1.00", "A"], [2, "Bo", "2.00", "A"]])
    write_csv(inbox / "b_1.csv", [[3, "Cy", "3.00", "A"]])
    summary = run_pipeline(sales_tables, settings, "sales")
    assert summary.transform.rows_loaded == {"sales_a": 2, "sales_b": 1}
    assert query(sales_tables, "SELECT count(*) FROM dest_sales") == [(3,)]
    logged = query(sales_tables, "SELECT import_name, rows_loaded FROM etl_pipeline_run_logs ORDER BY import_name")
    assert logged == [("sales_a", 2), ("sales_b", 1)]


def test_a_shared_staging_table_feeds_each_destination_only_its_files(settings, sales_tables, add_config, inbox):
    execute(sales_tables, DEST_DDL.replace("dest_sales", "dest_sales_eu"))
    add_config(import_name="sales_us", file_pattern="us_*.csv", load_method="append")
    add_config(import_name="sales_eu", file_pattern="eu_*.csv", load_method="append", destination_table="dest_sales_eu")
    write_csv(inbox / "us_1.csv", [[1, "Ann", "1.00", "A"]])
    write_csv(inbox / "eu_1.csv", [[2, "Bo", "2.00", "A"], [3, "Cy", "3.00", "A"]])
    run_pipeline(sales_tables, settings, "sales")
    assert query(sales_tables, "SELECT order_id FROM dest_sales") == [(1,)]
    assert query(sales_tables, "SELECT order_id FROM dest_sales_eu ORDER BY order_id") == [(2,), (3,)]


def test_builtin_transform_types_dates_and_booleans_from_text(settings, engine, add_config, inbox):
    execute(
        engine,
        "CREATE TABLE stg_events (event_id VARCHAR(10), happened VARCHAR(20), active VARCHAR(10), "
        "dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_events (event_id INTEGER, happened DATE, active BOOLEAN)",
    )
    config = add_config(
        import_name="events", file_pattern="events_*.csv", staging_table="stg_events", destination_table="dest_events"
    )
    path = write_csv(
        inbox / "events_1.csv",
        [[1, "2024-01-05", "yes"], [2, "2023-12-31", "false"]],
        ["event_id", "happened", "active"],
    )
    run_import(engine, settings, config, [path])
    table = sa.Table("dest_events", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.event_id)).all()
    assert [tuple(r) for r in rows] == [
        (1, datetime.date(2024, 1, 5), True),
        (2, datetime.date(2023, 12, 31), False),
    ]
