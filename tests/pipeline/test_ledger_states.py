"""The file ledger's writes one by one, on both warehouses: every status move the module docstring promises.

The end-to-end runs (tests/pipeline/test_run_end_to_end.py, tests/reliability/) show a file is
loaded once; these pin each step on its own rows, so a changed condition in one branch is seen.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.db.schema import elt_file_ledger
from elt_project.errors import TransientError
from elt_project.ingest.identity import FileIdentity
from elt_project.pipeline import ledger
from elt_project.pipeline.remote import RemoteIdentity

IMPORT = "sales_csv"


def _file(name: str, digest: str | None = None) -> FileIdentity:
    return FileIdentity(path=Path("/in") / name, size=len(name), mtime=1.5, sha256=digest or (name * 64)[:64])


def _rows(engine, import_name: str = IMPORT) -> dict[str, tuple]:
    """content hash -> (status, run_id, rows_loaded, error_message, file_path)."""
    c = elt_file_ledger.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.content_hash, c.status, c.run_id, c.rows_loaded, c.error_message, c.file_path).where(
                c.import_name == import_name
            )
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _set(engine, identity: FileIdentity, **values) -> None:
    c = elt_file_ledger.c
    with engine.begin() as conn:
        conn.execute(sa.update(elt_file_ledger).where(c.content_hash == identity.sha256).values(**values))


def test_a_new_file_is_claimed_staged_and_the_same_file_twice_in_a_run_is_a_duplicate(engine):
    a = _file("a.csv")
    assert ledger.claim(engine, IMPORT, a, "run1") == "claimed"
    assert _rows(engine) == {a.sha256: ("STAGED", "run1", None, None, "/in/a.csv")}
    assert ledger.claim(engine, IMPORT, a, "run1") == "duplicate"
    # the same content for another import is a file of its own
    assert ledger.claim(engine, "other_csv", a, "run1") == "claimed"


def test_a_loaded_file_is_a_duplicate_unless_reloaded_on_purpose(engine):
    a = _file("a.csv")
    ledger.claim(engine, IMPORT, a, "run1")
    with engine.begin() as conn:
        assert ledger.mark_loaded(conn, IMPORT, "run1", 7) == 1
    assert ledger.claim(engine, IMPORT, a, "run2") == "duplicate"
    assert _rows(engine)[a.sha256][:3] == ("LOADED", "run1", 7)
    assert ledger.claim(engine, IMPORT, a, "run3", reload=True) == "reload"
    # the earlier count stays for the transform to check; the run and status are the reload's
    assert _rows(engine)[a.sha256][:3] == ("RELOADING", "run3", 7)
    assert ledger.claim(engine, IMPORT, a, "run4") == "duplicate"  # to everyone else it is still loaded
    assert ledger.claim(engine, IMPORT, a, "run5", reload=True) == "reload"  # a reload whose run died
    # a reload of a file never loaded is an ordinary claim
    assert ledger.claim(engine, IMPORT, _file("b.csv"), "run5", reload=True) == "claimed"


def test_a_failed_or_abandoned_file_is_taken_over_by_the_next_run(engine):
    a, b = _file("a.csv"), _file("b.csv")
    ledger.claim(engine, IMPORT, a, "run1")
    ledger.claim(engine, IMPORT, b, "run1")
    ledger.mark_failed(engine, IMPORT, "run1", "bad header")
    assert _rows(engine)[a.sha256][:4] == ("FAILED", "run1", None, "bad header")
    assert ledger.claim(engine, IMPORT, a, "run2") == "claimed"
    assert _rows(engine)[a.sha256][:4] == ("STAGED", "run2", None, None)
    # STAGED by a run that crashed before its transform: taken over too
    assert ledger.claim(engine, IMPORT, a, "run3") == "claimed"
    assert _rows(engine)[a.sha256][:2] == ("STAGED", "run3")
    # a row without a run (written by hand, or by an older release) is taken over as well
    _set(engine, b, run_id=None)
    assert ledger.claim(engine, IMPORT, b, "run4") == "claimed"
    assert _rows(engine)[b.sha256][:2] == ("STAGED", "run4")


def test_a_remote_file_is_recorded_under_its_origin(engine):
    fetched = RemoteIdentity(
        path=Path("/tmp/x/part-1.csv"), size=3, mtime=2.0, sha256="f" * 64, ledger_path="sftp://h/a.csv"
    )
    ledger.claim(engine, IMPORT, fetched, "run1")
    assert _rows(engine)["f" * 64][4] == "sftp://h/a.csv"


@pytest.mark.parametrize("change", [{"run_id": "rival"}, {"status": "STAGED"}])
def test_a_row_changed_between_read_and_write_is_not_taken_over(engine, monkeypatch, change):
    """Compare and set: the row is taken only in the state it was read in (run and status).

    The rival run is stood in for by a write slipped in just before the take-over's UPDATE,
    in the same transaction (two real connections would serialise on SQLite's file lock).
    """
    a = _file("a.csv")
    ledger.claim(engine, IMPORT, a, "run1")
    ledger.mark_failed(engine, IMPORT, "run1", "boom")
    real_execute = sa.engine.Connection.execute
    rival = sa.update(elt_file_ledger).where(elt_file_ledger.c.content_hash == a.sha256).values(**change)
    slipped_in = []

    def execute(conn, statement, *args, **kwargs):
        if isinstance(statement, sa.sql.dml.Update) and not slipped_in:
            slipped_in.append(real_execute(conn, rival))
        return real_execute(conn, statement, *args, **kwargs)

    monkeypatch.setattr(sa.engine.Connection, "execute", execute)
    with pytest.raises(TransientError) as taken:
        ledger.claim(engine, IMPORT, a, "run2")
    assert str(taken.value) == (
        f"Another run took file {a.path} of import '{IMPORT}' at the same moment; run the import again in a minute."
    )
    monkeypatch.undo()
    assert _rows(engine)[a.sha256][:2] == ("FAILED", "run1")  # run2 holds nothing


def test_a_failed_reload_goes_back_to_loaded_and_long_messages_are_cut(engine):
    a, b = _file("a.csv"), _file("b.csv")
    ledger.claim(engine, IMPORT, a, "run1")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, IMPORT, "run1", 3)
    ledger.claim(engine, IMPORT, a, "run2", reload=True)
    ledger.claim(engine, IMPORT, b, "run2")
    with engine.begin() as conn:  # inside a caller's transaction
        ledger.mark_failed(conn, IMPORT, "run2", "x" * 5000)
    rows = _rows(engine)
    assert rows[a.sha256][:3] == ("LOADED", "run2", 3)
    assert rows[a.sha256][3] == ("Reload failed: " + "x" * 5000)[:4000]
    assert rows[b.sha256][:3] == ("FAILED", "run2", None) and rows[b.sha256][3] == "x" * 4000
    ledger.mark_failed(engine, IMPORT, "run9", "not mine")  # another run's failure touches nothing
    assert _rows(engine) == rows


def test_mark_loaded_takes_only_this_runs_files_of_this_import(engine):
    a, b, c = _file("a.csv"), _file("b.csv"), _file("c.csv")
    ledger.claim(engine, IMPORT, a, "run1")
    ledger.claim(engine, IMPORT, b, "run2")
    ledger.claim(engine, "other_csv", c, "run1")
    ledger.note_narrowing(engine, IMPORT, a.sha256, "run1", "amount 1.5 -> 1")
    assert _rows(engine)[a.sha256][3] == ledger.NARROWING_NOTE + "amount 1.5 -> 1"
    with engine.begin() as conn:
        assert ledger.mark_loaded(conn, IMPORT, "run1", 4) == 1
    rows = _rows(engine)
    assert rows[a.sha256][:4] == ("LOADED", "run1", 4, None)
    assert rows[b.sha256][0] == "STAGED" and _rows(engine, "other_csv")[c.sha256][0] == "STAGED"


def test_a_note_is_written_only_on_the_runs_row_and_cut_to_length(engine):
    a = _file("a.csv")
    ledger.claim(engine, IMPORT, a, "run1")
    ledger.note_narrowing(engine, IMPORT, a.sha256, "run2", "not this run")
    assert _rows(engine)[a.sha256][3] is None
    ledger.note_narrowing(engine, IMPORT, a.sha256, "run1", "y" * 5000)
    assert _rows(engine)[a.sha256][3] == (ledger.NARROWING_NOTE + "y" * 5000)[:4000]


def test_unclaimed_failures_and_refusals_leave_other_runs_rows_alone(engine):
    new, failed, loaded, staged, refused = (_file(f"{n}.csv") for n in ("new", "failed", "loaded", "staged", "refused"))
    ledger.claim(engine, IMPORT, loaded, "run1")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, IMPORT, "run1", 1)
    ledger.claim(engine, IMPORT, failed, "run2")
    ledger.mark_failed(engine, IMPORT, "run2", "first failure")
    ledger.claim(engine, IMPORT, staged, "run3")
    ledger.record_refused(engine, IMPORT, refused, "run3", "grew after loading")
    ledger.record_failed(engine, IMPORT, [new, failed, loaded, staged, refused], "run4", "z" * 5000)
    rows = _rows(engine)
    assert rows[new.sha256] == ("FAILED", "run4", None, "z" * 4000, "/in/new.csv")
    assert rows[failed.sha256][:4] == ("FAILED", "run4", None, "z" * 4000)  # re-dated to the newest failure
    assert rows[loaded.sha256][:2] == ("LOADED", "run1")
    assert rows[staged.sha256][:2] == ("STAGED", "run3")
    assert rows[refused.sha256][:4] == ("REFUSED", "run3", None, "grew after loading")
    # a refusal replaces a failure or an earlier refusal, never a load or another run's staging
    for identity in (failed, loaded, staged, refused):
        ledger.record_refused(engine, IMPORT, identity, "run5", "refused again")
    rows = _rows(engine)
    assert [rows[i.sha256][:2] for i in (failed, loaded, staged, refused)] == [
        ("REFUSED", "run5"),
        ("LOADED", "run1"),
        ("STAGED", "run3"),
        ("REFUSED", "run5"),
    ]


def test_the_switch_to_append_hands_over_every_loaded_file_once(engine):
    loaded, failed, staged, already = (_file(f"{n}.csv") for n in ("loaded", "failed", "staged", "already"))
    for identity in (loaded, failed, already):
        ledger.claim(engine, "old_replace", identity, "run1")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, "old_replace", "run1", 9)
    ledger.claim(engine, "old_replace", staged, "run2")
    ledger.record_failed(engine, "new_append", [failed], "run2", "boom")
    ledger.claim(engine, "new_append", already, "run2")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, "new_append", "run2", 2)
    with engine.begin() as conn:
        assert ledger.hand_over(conn, "old_replace", "new_append", "run3") == 2
    note = "Loaded by import 'old_replace' before it switched to this import."
    rows = _rows(engine, "new_append")
    assert rows[loaded.sha256] == ("LOADED", "run3", 0, note, "/in/loaded.csv")
    assert rows[failed.sha256][:4] == ("LOADED", "run3", None, note)
    assert rows[already.sha256][:4] == ("LOADED", "run2", 2, None)
    assert staged.sha256 not in rows
    with engine.begin() as conn:
        assert ledger.hand_over(conn, "old_replace", "new_append", "run4") == 0


def test_only_the_latest_loaded_snapshot_counts_as_a_duplicate(engine):
    first, second = _file("snap1.csv"), _file("snap2.csv")
    ledger.reopen_superseded_snapshot(engine, IMPORT, first.sha256)  # nothing loaded yet: nothing to do
    for run, identity in (("run1", first), ("run2", second)):
        ledger.claim(engine, IMPORT, identity, run)
        with engine.begin() as conn:
            ledger.mark_loaded(conn, IMPORT, run, 1)
    _set(engine, first, updated_at=ledger.utcnow().replace(year=2000))
    ledger.reopen_superseded_snapshot(engine, IMPORT, second.sha256)  # the latest: stays a duplicate
    assert _rows(engine)[second.sha256][0] == "LOADED"
    ledger.reopen_superseded_snapshot(engine, IMPORT, first.sha256)
    assert _rows(engine)[first.sha256][0] == "FAILED"
    assert _rows(engine)[first.sha256][3] == (
        "A newer snapshot was loaded after this one; it is loaded again now that it is back."
    )
    assert ledger.claim(engine, IMPORT, first, "run3") == "claimed"


def test_snapshots_loaded_in_the_same_second_are_ordered_by_arrival(engine):
    first, second = _file("snap1.csv"), _file("snap2.csv")
    for identity in (first, second):
        ledger.claim(engine, IMPORT, identity, "run1")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, IMPORT, "run1", 1)
    ledger.reopen_superseded_snapshot(engine, IMPORT, second.sha256)
    ledger.reopen_superseded_snapshot(engine, IMPORT, first.sha256)
    assert (_rows(engine)[first.sha256][0], _rows(engine)[second.sha256][0]) == ("FAILED", "LOADED")


def _updated_at(engine, identity: FileIdentity, import_name: str = IMPORT) -> datetime:
    c = elt_file_ledger.c
    with engine.connect() as conn:
        return conn.execute(
            sa.select(c.updated_at).where(c.import_name == import_name, c.content_hash == identity.sha256)
        ).scalar_one()


def test_every_status_move_dates_the_row(engine):
    a, b = _file("a.csv"), _file("b.csv")
    long_ago = datetime(2000, 1, 1)
    ledger.claim(engine, IMPORT, a, "run1")
    ledger.claim(engine, IMPORT, b, "run1")
    moves = [
        lambda: ledger.note_narrowing(engine, IMPORT, a.sha256, "run1", "n"),
        lambda: ledger.mark_failed(engine, IMPORT, "run1", "boom"),
    ]
    for move in moves:
        _set(engine, a, updated_at=long_ago)
        move()
        assert _updated_at(engine, a) > long_ago
    ledger.claim(engine, IMPORT, a, "run2")
    _set(engine, a, updated_at=long_ago)
    with engine.begin() as conn:
        ledger.mark_loaded(conn, IMPORT, "run2", 1)
    assert _updated_at(engine, a) > long_ago
    ledger.claim(engine, IMPORT, a, "run3", reload=True)
    _set(engine, a, updated_at=long_ago)
    ledger.mark_failed(engine, IMPORT, "run3", "reload broke")
    assert _updated_at(engine, a) > long_ago
    ledger.claim(engine, IMPORT, b, "run4")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, IMPORT, "run4", 1)
    _set(engine, a, updated_at=long_ago)
    ledger.reopen_superseded_snapshot(engine, IMPORT, a.sha256)
    assert _rows(engine)[a.sha256][0] == "FAILED" and _updated_at(engine, a) > long_ago


def test_ledger_times_are_utc_whatever_the_machines_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kathmandu")  # UTC+05:45, never UTC
    time.tzset()
    try:
        gap = ledger.utcnow() - datetime.now(UTC).replace(tzinfo=None)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert abs(gap) < timedelta(minutes=1)


def test_each_write_touches_only_its_own_import_and_file(engine):
    a, b = _file("a.csv"), _file("b.csv")
    for import_name in (IMPORT, "other_csv"):
        ledger.claim(engine, import_name, a, "run1")
    ledger.claim(engine, IMPORT, b, "run1")
    ledger.note_narrowing(engine, IMPORT, a.sha256, "run1", "only here")
    assert _rows(engine)[b.sha256][3] is None and _rows(engine, "other_csv")[a.sha256][3] is None
    ledger.mark_failed(engine, IMPORT, "run1", "boom")
    assert _rows(engine, "other_csv")[a.sha256][0] == "STAGED"
    with engine.begin() as conn:
        ledger.mark_loaded(conn, "other_csv", "run1", 1)
    ledger.claim(engine, IMPORT, a, "run2")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, IMPORT, "run2", 1)
    ledger.claim(engine, IMPORT, a, "run3", reload=True)
    ledger.claim(engine, "other_csv", a, "run3", reload=True)
    ledger.mark_failed(engine, IMPORT, "run3", "reload broke")
    assert _rows(engine, "other_csv")[a.sha256][:2] == ("RELOADING", "run3")


def test_a_refusal_does_not_overwrite_a_row_loaded_between_read_and_write(engine, monkeypatch):
    """The update of a FAILED row is guarded by the status read (a stand-in rival, as in the claim test)."""
    a = _file("a.csv")
    ledger.record_failed(engine, IMPORT, [a], "run1", "boom")
    real_execute = sa.engine.Connection.execute
    rival = sa.update(elt_file_ledger).where(elt_file_ledger.c.content_hash == a.sha256).values(status="LOADED")
    slipped_in = []

    def execute(conn, statement, *args, **kwargs):
        if isinstance(statement, sa.sql.dml.Update) and not slipped_in:
            slipped_in.append(real_execute(conn, rival))
        return real_execute(conn, statement, *args, **kwargs)

    monkeypatch.setattr(sa.engine.Connection, "execute", execute)
    ledger.record_refused(engine, IMPORT, a, "run2", "grew")
    monkeypatch.undo()
    assert _rows(engine)[a.sha256][:2] == ("LOADED", "run1")


def test_the_hand_over_reads_and_writes_only_the_two_imports_named(engine):
    mine, theirs, shared = _file("mine.csv"), _file("theirs.csv"), _file("shared.csv")
    ledger.claim(engine, "old_replace", mine, "run1")
    ledger.claim(engine, "old_replace", shared, "run1")
    ledger.claim(engine, "unrelated", theirs, "run1")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, "old_replace", "run1", 1)
        ledger.mark_loaded(conn, "unrelated", "run1", 1)
    ledger.record_failed(engine, "new_append", [shared], "run2", "boom")
    with engine.begin() as conn:
        assert ledger.hand_over(conn, "old_replace", "new_append", "run3") == 2
    assert set(_rows(engine, "new_append")) == {mine.sha256, shared.sha256}
    assert _rows(engine, "old_replace")[shared.sha256][:4] == ("LOADED", "run1", 1, None)


def test_the_latest_snapshot_is_the_latest_loaded_one_of_this_import(engine):
    first, second, later_elsewhere, staged = (_file(f"{n}.csv") for n in ("s1", "s2", "elsewhere", "staged"))
    for run, identity in (("run1", first), ("run2", second)):
        ledger.claim(engine, IMPORT, identity, run)
        with engine.begin() as conn:
            ledger.mark_loaded(conn, IMPORT, run, 1)
    # the row written last (higher id) was loaded earlier: the load time decides, not the arrival
    _set(engine, second, updated_at=datetime(2000, 1, 1))
    ledger.claim(engine, "other_csv", later_elsewhere, "run3")
    ledger.claim(engine, "other_csv", second, "run3")
    with engine.begin() as conn:
        ledger.mark_loaded(conn, "other_csv", "run3", 1)
    ledger.claim(engine, IMPORT, staged, "run4")  # newer, but not loaded
    ledger.reopen_superseded_snapshot(engine, IMPORT, first.sha256)
    assert _rows(engine)[first.sha256][0] == "LOADED"
    ledger.reopen_superseded_snapshot(engine, IMPORT, second.sha256)
    assert _rows(engine)[second.sha256][0] == "FAILED"
    assert _rows(engine, "other_csv")[second.sha256][0] == "LOADED"  # the other import's copy stands
    ledger.reopen_superseded_snapshot(engine, IMPORT, staged.sha256)
    assert _rows(engine)[staged.sha256][0] == "STAGED"  # only a LOADED row is reopened
