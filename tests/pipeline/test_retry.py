"""`elt retry` and the ledger rules that keep a retried file from loading twice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from elt_project.cli import main
from elt_project.db.schema import elt_file_ledger
from elt_project.errors import TransientError
from elt_project.pipeline.api import new_run_id, stage_import, transform_group
from tests.pipeline.conftest import DEST_DDL, STAGING_DDL, execute, query, write_csv


def _elt(settings, *args):
    env = {
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "ELT_TRANSFORMS_DIR": str(settings.transforms_dir),
    }
    return CliRunner().invoke(main, list(args), env=env)


def _statuses(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(elt_file_ledger.c.status).order_by(elt_file_ledger.c.id)))


def test_elt_retry_loads_failed_files_once_the_tables_exist(settings, engine, add_config, inbox):
    add_config(load_method="append")
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"], [2, "Bob", "2", "I"]])

    failed = _elt(settings, "run", "sales_daily")
    assert failed.exit_code == 1 and "'stg_sales' does not exist" in failed.stderr
    assert "`python3 launch.py elt setup-sql PIPELINE`" in failed.stderr
    assert _statuses(engine) == ["FAILED"]  # the file the run never reached is in the ledger

    still = _elt(settings, "retry", "sales_daily")
    assert still.exit_code == 1 and _statuses(engine) == ["FAILED"]

    execute(engine, STAGING_DDL, DEST_DDL)
    done = _elt(settings, "retry", "sales_daily")
    assert done.exit_code == 0, done.output
    assert "Retrying sales_1.csv" in done.stdout and "loaded 2 rows" in done.stdout
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,)]
    assert _statuses(engine) == ["LOADED"]

    nothing = _elt(settings, "retry", "sales_daily")
    assert nothing.exit_code == 1
    assert "has no failed files to retry; `python3 launch.py elt run sales_daily` loads new files" in nothing.stderr
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(2,)]


def test_elt_retry_of_a_replace_import_reloads_its_whole_batch(settings, engine, add_config, inbox):
    add_config(load_method="replace")
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"]])
    write_csv(inbox / "sales_2.csv", [[2, "Bob", "2", "A"]])
    assert _elt(settings, "run", "sales_daily").exit_code == 1
    assert _statuses(engine) == ["FAILED", "FAILED"]

    execute(engine, STAGING_DDL, DEST_DDL)
    done = _elt(settings, "retry", "sales_daily")
    assert done.exit_code == 0, done.output
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,)]
    assert _statuses(engine) == ["LOADED", "LOADED"]


def test_elt_retry_file_must_name_a_failed_file(settings, sales_tables, add_config, inbox, monkeypatch, tmp_path):
    add_config(load_method="append")
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"]])
    monkeypatch.chdir(tmp_path)
    refused = _elt(settings, "retry", "sales_daily", "--file", "inbox/sales_1.csv")
    assert refused.exit_code == 1
    assert "sales_1.csv has not failed for import 'sales_daily'" in refused.stderr
    assert query(sales_tables, "SELECT COUNT(*) FROM dest_sales") == [(0,)]


def test_a_run_whose_file_was_taken_over_rolls_back_instead_of_loading_twice(settings, sales_tables, add_config, inbox):
    """A retry takes the file over while the first run is inside its transform: one load, not two."""
    engine = sales_tables
    config = add_config(load_method="append")
    file = write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"], [2, "Bob", "2", "I"]])
    first, second = new_run_id(), new_run_id()
    stage_import(engine, settings, config, [file], run_id=first)
    raced = []

    def retry_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if not raced and statement.lstrip().upper().startswith("INSERT INTO DEST_SALES"):
            raced.append(True)
            stage_import(engine, settings, config, [file], run_id=second)

    sa.event.listen(engine, "before_cursor_execute", retry_meanwhile)
    try:
        with pytest.raises(TransientError, match="took over file"):
            transform_group(engine, settings, [config], run_id=first)
    finally:
        sa.event.remove(engine, "before_cursor_execute", retry_meanwhile)
    assert raced and query(engine, "SELECT COUNT(*) FROM dest_sales") == [(0,)]

    transform_group(engine, settings, [config], run_id=second)
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,)]
    assert _statuses(engine) == ["LOADED"]


def test_a_run_whose_files_were_taken_over_before_its_transform_releases_them(
    settings, sales_tables, add_config, inbox
):
    """Two loaders of one file: the one that lost it leaves no staged rows and no open run log behind."""
    engine = sales_tables
    config = add_config(load_method="append")
    file = write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"], [2, "Bob", "2", "I"]])
    first, second = new_run_id(), new_run_id()
    stage_import(engine, settings, config, [file], run_id=first)
    stage_import(engine, settings, config, [file], run_id=second)  # takes the STAGED file over

    with pytest.raises(TransientError, match="Another run took over the file"):
        transform_group(engine, settings, [config], run_id=first)
    assert query(engine, "SELECT COUNT(*) FROM stg_sales WHERE dagster_run_id = :r", r=first) == [(0,)]
    [(status, message)] = query(
        engine, "SELECT status, error_message FROM etl_pipeline_run_logs WHERE run_id = :r", r=first
    )
    assert status == "FAILED" and "nothing was loaded twice" in message

    transform_group(engine, settings, [config], run_id=second)
    assert query(engine, "SELECT order_id FROM dest_sales ORDER BY order_id") == [(1,), (2,)]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
    assert _statuses(engine) == ["LOADED"]
