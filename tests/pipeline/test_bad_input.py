"""Bad files through the whole engine: one clear sentence, and nothing lost or half-loaded.

Each case starts from a destination that already holds a row; after the bad file the
destination is unchanged, the run's staging rows are gone, the ledger marks the file
FAILED (so a corrected file, or a retry, can load) and the run log keeps the message.
"""

from __future__ import annotations

import json

import pytest

from elt_project.errors import EltError, SourceFileError
from elt_project.pipeline.api import run_import

from .conftest import execute, query, write_csv


@pytest.fixture
def loaded(settings, sales_tables, add_config, inbox):
    """A replace import whose destination already holds one good row."""
    config = add_config(load_method="replace")
    run_import(sales_tables, settings, config, [write_csv(inbox / "sales_0.csv", [[1, "Ann", "10.00", "A"]])])
    assert query(sales_tables, "SELECT order_id FROM dest_sales") == [(1,)]
    return config


def _assert_nothing_lost(engine, import_name: str, file_name: str) -> None:
    assert query(engine, "SELECT order_id FROM dest_sales") == [(1,)]
    assert query(engine, "SELECT count(*) FROM stg_sales") == [(0,)]
    statuses = query(
        engine,
        "SELECT l.status FROM elt_file_ledger l WHERE l.import_name = :name AND l.file_path LIKE :file",
        name=import_name,
        file=f"%{file_name}",
    )
    assert statuses == [("FAILED",)]
    logged = query(
        engine,
        "SELECT status, error_message, resolution_steps FROM etl_pipeline_run_logs "
        "WHERE import_name = :name AND file_name = :file",
        name=import_name,
        file=file_name,
    )
    assert logged and logged[-1][0] == "FAILED" and logged[-1][1] and logged[-1][2]
    assert "Traceback" not in logged[-1][1]


def _fails(engine, settings, config, path, match: str) -> EltError:
    with pytest.raises(EltError, match=match) as info:
        run_import(engine, settings, config, [path])
    assert len(str(info.value).splitlines()) == 1
    return info.value


def test_empty_file(settings, sales_tables, loaded, inbox):
    path = inbox / "sales_empty.csv"
    path.write_bytes(b"")
    _fails(sales_tables, settings, loaded, path, "empty")
    _assert_nothing_lost(sales_tables, loaded.import_name, path.name)


def test_header_only_file_never_empties_a_replace_destination(settings, sales_tables, loaded, inbox):
    path = write_csv(inbox / "sales_header.csv", [])
    _fails(sales_tables, settings, loaded, path, "no data rows.*left unchanged")
    _assert_nothing_lost(sales_tables, loaded.import_name, path.name)


def test_header_only_file_on_append_loads_nothing_and_succeeds(settings, sales_tables, add_config, inbox):
    config = add_config(import_name="sales_append", load_method="append")
    summary = run_import(sales_tables, settings, config, [write_csv(inbox / "sales_h.csv", [])])
    assert summary.stages[0].rows_staged == 0
    assert query(sales_tables, "SELECT count(*) FROM dest_sales") == [(0,)]


def test_ragged_rows(settings, sales_tables, loaded, inbox):
    path = inbox / "sales_ragged.csv"
    path.write_text("order_id,customer,amount,status\n2,Bo,5.00,A\n3,Cy,7.00,A,EXTRA\n")
    _fails(sales_tables, settings, loaded, path, "line 3")
    _assert_nothing_lost(sales_tables, loaded.import_name, path.name)


def test_wrong_delimiter(settings, sales_tables, loaded, inbox):
    path = inbox / "sales_semicolon.csv"
    path.write_text("order_id;customer;amount;status\n2;Bo;5.00;A\n")
    _fails(sales_tables, settings, loaded, path, "delimiter")
    _assert_nothing_lost(sales_tables, loaded.import_name, path.name)


def test_undecodable_bytes_name_the_line_and_the_setting(settings, sales_tables, loaded, inbox):
    path = inbox / "sales_latin1.csv"
    path.write_bytes("order_id,customer,amount,status\n2,Bo,5.00,A\n3,Zoë,7.00,A\n".encode("latin1"))
    error = _fails(sales_tables, settings, loaded, path, "line 3")
    assert "encoding" in str(error)
    _assert_nothing_lost(sales_tables, loaded.import_name, path.name)


def test_file_that_disappeared_before_loading(settings, sales_tables, loaded, inbox):
    path = write_csv(inbox / "sales_gone.csv", [[2, "Bo", "5.00", "A"]])
    path.unlink()
    with pytest.raises(SourceFileError):
        run_import(sales_tables, settings, loaded, [path])
    assert query(sales_tables, "SELECT order_id FROM dest_sales") == [(1,)]


def test_json_that_is_not_a_table(settings, sales_tables, add_config, inbox):
    config = add_config(import_name="sales_json", file_pattern="sales_*.json", file_type="json")
    path = inbox / "sales_doc.json"
    path.write_text(json.dumps([1, 2, 3]))  # an array of scalars has no columns
    with pytest.raises(SourceFileError):
        run_import(sales_tables, settings, config, [path])
    assert query(sales_tables, "SELECT count(*) FROM stg_sales") == [(0,)]


def test_a_ten_megabyte_field_loads_whole(settings, engine, add_config, inbox):
    execute(
        engine,
        "CREATE TABLE stg_notes (note_id VARCHAR(20), body TEXT, dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_notes (note_id VARCHAR(20), body TEXT)",
    )
    config = add_config(
        import_name="notes", file_pattern="notes_*.csv", staging_table="stg_notes", destination_table="dest_notes"
    )
    body = "x" * (10 * 1024 * 1024)
    path = write_csv(inbox / "notes_1.csv", [["n1", body], ["n2", "short"]], header=["note_id", "body"])
    run_import(engine, settings, config, [path])
    assert query(engine, "SELECT note_id, length(body) FROM dest_notes ORDER BY note_id") == [
        ("n1", len(body)),
        ("n2", 5),
    ]


def test_a_corrected_file_loads_after_a_failure(settings, sales_tables, loaded, inbox):
    bad = inbox / "sales_fix.csv"
    bad.write_text("order_id;customer;amount;status\n2;Bo;5.00;A\n")
    _fails(sales_tables, settings, loaded, bad, "delimiter")
    write_csv(bad, [[2, "Bo", "5.00", "A"]])
    run_import(sales_tables, settings, loaded, [bad])
    assert query(sales_tables, "SELECT order_id FROM dest_sales") == [(2,)]
