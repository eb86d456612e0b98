"""The questions asked of the file ledger, on both warehouses, against rows in every status.

Rows are written directly so each query meets neighbours it must leave out: another
import, another run, another status.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from elt_project.db.schema import elt_file_ledger
from elt_project.pipeline import ledger_queries as q

IMPORT = "sales_csv"


def _h(n: int) -> str:
    return f"{n:064d}"


@pytest.fixture
def rows(engine):
    """import, hash, path, size, mtime, status, run, rows loaded, message, updated at."""
    table = [
        (IMPORT, _h(1), "/in/a.csv", 100, 1.0, "LOADED", "run1", 10, None, datetime(2026, 1, 1)),
        (IMPORT, _h(2), "/in/a.csv", 50, 2.0, "LOADED", "run1", 5, None, datetime(2026, 1, 2)),
        (IMPORT, _h(3), "C:\\in\\b.csv", 30, 3.0, "RELOADING", "run2", 3, None, datetime(2026, 1, 3)),
        (IMPORT, _h(4), "/in/c.csv", 20, 4.0, "STAGED", "run2", None, q.NARROWING_NOTE + "x 1.5 -> 1", None),
        (IMPORT, _h(5), "/in/f.csv", 21, 4.5, "STAGED", "run2", None, "plain note", None),
        (IMPORT, _h(6), "/in/e.csv", 40, 6.0, "FAILED", "run2", None, "newer failure", datetime(2026, 1, 9)),
        (IMPORT, _h(7), "/in/d.csv", 41, 7.0, "FAILED", "run1", None, "older failure", datetime(2026, 1, 5)),
        (IMPORT, _h(8), "/in/g.csv", 42, 8.0, "REFUSED", "run2", None, "grew", datetime(2026, 1, 6)),
        ("other_csv", _h(1), "/in/a.csv", 100, 1.0, "LOADED", "run2", 10, None, datetime(2026, 1, 1)),
        ("other_csv", _h(9), "/in/a.csv", 10, 9.0, "LOADED", "run2", 1, None, datetime(2026, 1, 1)),
        ("other_csv", _h(10), "/in/h.csv", 11, 10.0, "FAILED", "run2", None, "theirs", datetime(2026, 1, 1)),
        ("other_csv", _h(11), "/in/i.csv", 12, 11.0, "STAGED", "run2", None, q.NARROWING_NOTE + "theirs", None),
        (IMPORT, _h(12), "/in/j.csv", 22, 12.0, "STAGED", "run1", None, q.NARROWING_NOTE + "run1 note", None),
        (IMPORT, _h(13), "/in/k.csv", 23, 13.0, "RELOADING", "run1", 7, None, datetime(2026, 1, 1)),
        ("other_csv", _h(14), "/in/l.csv", 24, 14.0, "RELOADING", "run2", 8, None, datetime(2026, 1, 1)),
        (IMPORT, _h(15), "/in/m.csv", 25, 15.0, "FAILED", "run2", None, q.NARROWING_NOTE + "old", datetime(2026, 1, 9)),
        (IMPORT, _h(16), "/in/z.csv", 5, 16.0, "LOADED", "run3", 1, None, datetime(2026, 1, 1)),
        (IMPORT, _h(17), "/in/z.csv", 15, 17.0, "LOADED", "run3", 1, None, datetime(2026, 1, 1)),
    ]
    columns = ("import_name", "content_hash", "file_path", "file_size", "file_mtime", "status", "run_id")
    columns += ("rows_loaded", "error_message", "updated_at")
    with engine.begin() as conn:
        for row in table:
            conn.execute(sa.insert(elt_file_ledger).values(dict(zip(columns, row, strict=True))))
    return engine


def _rewrite(engine, n: int) -> None:
    """Update a row in place without changing it: PostgreSQL then returns it last from an unordered scan."""
    c = elt_file_ledger.c
    with engine.begin() as conn:
        conn.execute(sa.update(elt_file_ledger).where(c.content_hash == _h(n)).values(file_size=c.file_size))


def test_hashes_in_the_ledger_by_status_asked_in_chunks(rows):
    candidates = {_h(n) for n in range(1, 12)}
    assert q.hashes_in(rows, IMPORT, candidates) == {_h(1), _h(2)}
    assert q.hashes_in(rows, IMPORT, {_h(2), _h(9)}) == {_h(2)}
    assert q.hashes_in(rows, IMPORT, candidates, ("LOADED", "RELOADING")) == {_h(1), _h(2), _h(3)}
    assert q.loaded_hashes(rows, IMPORT) == {_h(n) for n in (1, 2, 3, 13, 16, 17)}
    assert q.known_hashes(rows, IMPORT) == {_h(n) for n in (*range(1, 9), 12, 13, 15, 16, 17)}
    # a folder of thousands: the LOADED hashes sit at both ends of the first and second chunk
    loaded = [0, q.HASH_CHUNK - 1, q.HASH_CHUNK, 2 * q.HASH_CHUNK - 1, 2 * q.HASH_CHUNK]
    with rows.begin() as conn:
        for n in loaded:
            values = {"import_name": "big", "content_hash": f"x{n:06d}", "file_path": "/p", "file_size": 1}
            conn.execute(sa.insert(elt_file_ledger).values(**values, file_mtime=1.0, status="LOADED"))
    everything = {f"x{n:06d}" for n in range(2 * q.HASH_CHUNK + 1)}
    assert q.hashes_in(rows, "big", everything) == {f"x{n:06d}" for n in loaded}


def test_a_remote_file_counts_as_loaded_only_with_the_same_path_size_and_time(rows):
    assert q.loaded_as(rows, IMPORT, "/in/a.csv", 100, 1)
    assert not q.loaded_as(rows, IMPORT, "/in/a.csv", 100, 1.5)
    assert not q.loaded_as(rows, IMPORT, "/in/a.csv", 99, 1.0)
    assert not q.loaded_as(rows, IMPORT, "/in/moved.csv", 100, 1.0)
    assert not q.loaded_as(rows, IMPORT, "/in/e.csv", 40, 6.0)  # FAILED
    assert not q.loaded_as(rows, "other_csv", "/in/a.csv", 50, 2.0)


def test_earlier_smaller_loads_at_a_path_largest_first(rows):
    assert q.loaded_at_path(rows, IMPORT, "/in/a.csv", 101) == [(_h(1), 100, "run1"), (_h(2), 50, "run1")]
    assert q.loaded_at_path(rows, IMPORT, "/in/a.csv", 100) == [(_h(2), 50, "run1")]
    assert q.loaded_at_path(rows, IMPORT, "C:\\in\\b.csv", 31) == [(_h(3), 30, "run2")]  # a reload counts
    assert q.loaded_at_path(rows, IMPORT, "/in/e.csv", 1000) == []
    assert q.loaded_at_path(rows, IMPORT, "/in/z.csv", 1000) == [(_h(17), 15, "run3"), (_h(16), 5, "run3")]


def test_what_one_run_did_for_one_import(rows):
    _rewrite(rows, 3)  # staged files come in the order they were staged, whatever happened to the rows since
    with rows.connect() as conn:
        assert q.loaded_files(conn, "run1", IMPORT) == ["/in/a.csv", "/in/a.csv"]
        assert q.loaded_files(conn, "run2", IMPORT) == []
        assert sorted(q.failed_paths(conn, "run2", IMPORT)) == ["/in/e.csv", "/in/m.csv"]
        assert sorted(q.staged_hashes(conn, "run2", IMPORT)) == [_h(3), _h(4), _h(5)]
        assert q.staged_files(conn, "run2", [IMPORT, "other_csv"]) == {
            IMPORT: ["C:\\in\\b.csv", "/in/c.csv", "/in/f.csv"],
            "other_csv": ["/in/i.csv", "/in/l.csv"],
        }
        assert q.staged_files(conn, "run2", [IMPORT]) == {IMPORT: ["C:\\in\\b.csv", "/in/c.csv", "/in/f.csv"]}
        assert q.staged_files(conn, "run2", []) == {}
        assert q.reloading_files(conn, "run2", IMPORT) == {_h(3): 3}
        assert q.narrowing_notes(conn, "run2", [IMPORT]) == ["x 1.5 -> 1"]
        assert sorted(q.narrowing_notes(conn, "run2", [IMPORT, "other_csv"])) == ["theirs", "x 1.5 -> 1"]
        assert q.narrowing_notes(conn, "run2", []) == []


def test_failed_files_oldest_failure_first(rows):
    # _h(6) and _h(15) failed at the same moment: the first recorded comes first
    expected = [
        q.FailedFile(_h(7), "/in/d.csv", 41, 7.0, "run1", "older failure"),
        q.FailedFile(_h(6), "/in/e.csv", 40, 6.0, "run2", "newer failure"),
        q.FailedFile(_h(15), "/in/m.csv", 25, 15.0, "run2", q.NARROWING_NOTE + "old"),
    ]
    assert q.failed_files(rows, IMPORT) == expected
    with rows.connect() as conn:
        assert q.failed_files(conn, IMPORT) == expected


def test_the_loaded_copy_of_a_content_and_its_file_name(rows):
    copy = q.loaded_copy_of(rows, IMPORT, _h(1))
    assert copy == q.LoadedFile("/in/a.csv", 1.0, datetime(2026, 1, 1), 10) and copy.file_name == "a.csv"
    with rows.connect() as conn:
        reloading = q.loaded_copy_of(conn, IMPORT, _h(3))
    assert reloading.rows_loaded == 3 and reloading.file_name == "b.csv"
    assert q.loaded_copy_of(rows, IMPORT, _h(6)) is None  # FAILED
    assert q.loaded_copy_of(rows, IMPORT, _h(9)) is None  # another import's
