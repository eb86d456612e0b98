"""A file that grows after its first part was loaded is refused, not loaded again, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from elt_project.errors import SourceFileError
from elt_project.pipeline.api import run_import
from tests.pipeline.conftest import query, write_csv

FIRST = [[i, f"c{i}", str(i), "A"] for i in range(1, 16)]
REST = [[i, f"c{i}", str(i), "A"] for i in range(16, 31)]


def grow(path, rows) -> None:
    """The writer comes back after a pause and appends the rest of its rows."""
    with path.open("a", newline="", encoding="utf-8") as handle:
        handle.writelines(",".join(str(v) for v in row) + "\n" for row in rows)


@pytest.mark.parametrize("method", ["append", "replace"])
def test_a_grown_file_is_refused_with_its_reason(settings, sales_tables, add_config, inbox, method):
    engine = sales_tables
    config = add_config(load_method=method)
    path = write_csv(inbox / "sales_1.csv", FIRST)
    run_import(engine, settings, config)
    loaded_size = path.stat().st_size
    grow(path, REST)

    for _ in range(2):  # the next run, and the one after, refuse it again: never half + whole
        with pytest.raises(SourceFileError, match=f"sales_1.csv grew after it was loaded.*first {loaded_size} bytes"):
            run_import(engine, settings, config)
    assert query(engine, "SELECT COUNT(*), COUNT(DISTINCT order_id) FROM dest_sales") == [(15, 15)]
    ledger = query(engine, "SELECT status, file_size, error_message FROM elt_file_ledger ORDER BY id")
    assert [(s, size) for s, size, _ in ledger] == [("LOADED", loaded_size), ("REFUSED", path.stat().st_size)]
    assert "write to a temporary name and rename" in ledger[1][2]
    logs = query(engine, "SELECT status, error_message FROM etl_pipeline_run_logs ORDER BY id")
    assert [s for s, _ in logs] == ["SUCCESS", "FAILED", "FAILED"]
    assert "grew after it was loaded" in logs[1][1]
    assert query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]


def test_an_append_import_with_a_dedup_key_loads_the_grown_file(settings, sales_tables, add_config, inbox):
    """Dedup drops the rows already there, so the rest of the file is simply loaded."""
    engine = sales_tables
    config = add_config(load_method="append", deduplication_key="order_id")
    path = write_csv(inbox / "sales_1.csv", FIRST)
    run_import(engine, settings, config)
    grow(path, REST)
    run_import(engine, settings, config)
    assert query(engine, "SELECT COUNT(*), COUNT(DISTINCT order_id) FROM dest_sales") == [(30, 30)]


def test_a_different_file_under_the_same_name_is_not_taken_for_growth(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(load_method="append")
    path = write_csv(inbox / "sales_1.csv", FIRST)
    run_import(engine, settings, config)
    write_csv(path, [[99, "new", "1", "A"]] + REST)  # longer, but its start differs: new content
    run_import(engine, settings, config)
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(31,)]
