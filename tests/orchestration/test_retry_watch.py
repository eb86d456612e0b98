"""The retry rules on their own: which failed files a tick retries, holds back or leaves alone."""

from __future__ import annotations

from elt_project.orchestration.file_watch import SENT_RETENTION_S, WatchCursor
from elt_project.orchestration.retry_watch import basis_at, held_message, plan_retries
from elt_project.pipeline.ledger import FailedFile

NOW = 1_000_000.0


def failed(name: str, digest: str, run_id: str = "run-1", size: int = 10, mtime: float = 5.0) -> FailedFile:
    return FailedFile(digest, f"C:\\data\\in\\{name}", size, mtime, run_id, "The table is missing; create it.")


def plan(cursor, files, listing, basis="b" * 64, busy=(), load_method="append", requesting=False, now=NOW):
    calls = []

    def compute():
        calls.append(1)
        return basis

    result = plan_retries(
        import_slug="sales",
        load_method=load_method,
        failed=files,
        listing=listing,
        busy=set(busy),
        cursor=cursor,
        basis=compute,
        requesting=requesting,
        now=now,
    )
    return result, len(calls)


def test_a_file_requested_under_another_basis_is_retried_once():
    cursor = WatchCursor(sent={"h1": NOW - 100}, bases=[[NOW - 200, "a" * 16]])
    entry = failed("x.csv", "h1")
    first, calls = plan(cursor, [entry], {"x.csv": (10, 5.0)})
    assert calls == 1
    assert [r.run_key for r in first.runs] == ["sales:h1:retry:run-1"]
    assert [r.files for r in first.runs] == [["x.csv"]]  # a Windows path in the ledger, a name here

    cursor.tried, cursor.bases = first.tried, first.bases
    second, _ = plan(cursor, [entry], {"x.csv": (10, 5.0)})
    assert second.runs == [] and second.retrying == [entry]
    assert "Retry requested for failed file(s) x.csv" in held_message(second, "sales")

    failed_again = failed("x.csv", "h1", run_id="run-2")
    third, _ = plan(cursor, [failed_again], {"x.csv": (10, 5.0)})
    assert third.runs == [] and third.held == [failed_again]  # same basis: held back, no loop
    message = held_message(third, "sales")
    assert "Held back as failed: x.csv (The table is missing; create it.)" in message
    assert "`python3 launch.py elt retry sales`" in message


def test_first_sight_is_noted_and_changed_busy_or_missing_files_are_left_alone():
    cursor = WatchCursor()
    files = [failed("new.csv", "h1"), failed("gone.csv", "h2"), failed("edited.csv", "h3"), failed("busy.csv", "h4")]
    listing = {"new.csv": (10, 5.0), "edited.csv": (11, 6.0), "busy.csv": (10, 5.0)}
    result, calls = plan(cursor, files, listing, busy={"h4"})
    assert result.runs == [] and [f.file_path for f in result.held] == [files[0].file_path]
    assert set(result.tried) == {"h1"} and calls == 1

    nothing, calls = plan(WatchCursor(), files[1:3], listing)
    assert nothing.runs == [] and nothing.held == [] and calls == 0  # no failed file present: no basis query


def test_a_replace_import_retries_its_failures_as_one_run_over_the_folder():
    cursor = WatchCursor(tried={"h1": ["a" * 16, NOW - 50, None], "h2": ["a" * 16, NOW - 50, None]})
    files = [failed("a.csv", "h1"), failed("b.csv", "h2", mtime=6.0)]
    result, _ = plan(cursor, files, {"a.csv": (10, 5.0), "b.csv": (10, 6.0)}, load_method="replace")
    [run] = result.runs
    assert run.files == [] and sorted(run.hashes) == ["h1", "h2"] and run.run_key.startswith("sales:retry:")


def test_the_basis_log_stays_short_and_knows_what_was_in_force():
    bases = [[NOW - 3 * SENT_RETENTION_S, "old"], [NOW - 2 * SENT_RETENTION_S, "older-but-newer"], [NOW - 10, "x"]]
    assert basis_at(bases, NOW - 20) == "older-but-newer"
    assert basis_at(bases, NOW - 4 * SENT_RETENTION_S) is None
    result, _ = plan(WatchCursor(bases=bases, tried={"gone": ["x", NOW - 5, None]}), [], {}, requesting=True)
    assert [b[1] for b in result.bases] == ["older-but-newer", "x", "b" * 16]
    assert result.tried == {}  # entries of hashes no longer failed are dropped
    round_trip = WatchCursor.from_json(WatchCursor(bases=result.bases, tried={"h": ["x", 1.0, None]}).to_json())
    assert round_trip.bases == result.bases and round_trip.tried == {"h": ["x", 1.0, None]}


def test_failed_content_copied_back_under_a_new_mtime_is_found_by_its_hash():
    cursor = WatchCursor(tried={"h1": ["a" * 16, NOW - 50, None]})
    entry = failed("x.csv", "h1")
    result, _ = plan(cursor, [entry], {"x copy.csv": (10, 9.0)}, basis="c" * 64)
    assert result.runs == []  # neither the recorded file nor a read of its content: nothing to retry
    result = plan_retries(
        import_slug="sales",
        load_method="append",
        failed=[entry],
        listing={"x copy.csv": (10, 9.0)},
        busy=set(),
        cursor=cursor,
        basis=lambda: "c" * 64,
        requesting=False,
        now=NOW,
        seen={"h1": "x copy.csv"},
    )
    assert [r.files for r in result.runs] == [["x copy.csv"]]
