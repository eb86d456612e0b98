# ruff: noqa: F811  (the pipeline fixtures are imported by name, then requested as arguments)
"""No partial visibility: a reader polling during a replace sees the old table or the new one, never between.

The old table is loaded by the engine, then a real `elt run` process replaces it with a
bigger file while a reader thread, on its own engine and connection, asks every 50 ms
for the destination's row count and a checksum (sum of the keys, sum of the amounts).
Every distinct (count, checksum) answer is recorded; each must be the old table's or
the new one's. The replace runs on SQLite (WAL: readers keep the last committed
snapshot) and on PostgreSQL (TRUNCATE in the transform's transaction: readers wait for
its commit), through the same transform that Dagster's assets call.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from elt_project.db.engine import create_warehouse_engine
from elt_project.pipeline.api import run_import
from tests.pipeline.conftest import HEADER, add_config, inbox, query, sales_tables  # noqa: F401
from tests.reliability.test_crash_matrix import elt_process

#: The issue's reader polls every 50 ms; a 25k-row replace commits its new rows in a few ms
#: on SQLite, so the quick tier polls every 2 ms to still sample every moment of it.
POLL_S = {"full": 0.05, "quick": 0.002}
STATE_SQL = "SELECT COUNT(*), COALESCE(SUM(order_id), 0), COALESCE(SUM(amount), 0) FROM dest_sales"


def write_rows(path: Path, rows: int, amount: int) -> tuple[int, int, int]:
    """A CSV of order ids 1..rows, each with ``amount``; returns the (count, key sum, amount sum) it loads to."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        handle.writelines(f"{i},c{i},{amount},A\n" for i in range(1, rows + 1))
    return rows, rows * (rows + 1) // 2, rows * amount


class Reader(threading.Thread):
    """Polls the destination on a connection of its own until stopped; keeps every distinct state seen."""

    def __init__(self, database_url: str, poll_s: float) -> None:
        super().__init__(daemon=True)
        self.poll_s = poll_s
        self.engine = create_warehouse_engine(database_url)
        self.seen: Counter[tuple[int, int, int]] = Counter()
        self.order: list[tuple[int, int, int]] = []  # distinct states in the order first seen
        self.last: tuple[int, int, int] | None = None
        self.longest_s = 0.0
        self.error: BaseException | None = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                started = time.monotonic()
                with self.engine.connect() as conn:
                    count, keys, amounts = conn.exec_driver_sql(STATE_SQL).one()
                state = (int(count), int(keys), int(amounts))
                self.longest_s = max(self.longest_s, time.monotonic() - started)
                if state not in self.seen:
                    self.order.append(state)
                self.seen[state] += 1
                self.last = state
                self._stop_event.wait(self.poll_s)
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=60)
        self.engine.dispose()


def replace_under_a_reader(
    database_url, settings, engine, add_config, inbox, old_rows: int, new_rows: int, poll_s: float
) -> None:
    config = add_config(load_method="replace")
    old = write_rows(inbox / "sales_old.csv", old_rows, amount=1)
    run_import(engine, settings, config, [inbox / "sales_old.csv"])
    new = write_rows(inbox / "sales_new.csv", new_rows, amount=2)
    assert query(engine, STATE_SQL) == [old]

    reader = Reader(database_url, poll_s)
    reader.start()
    try:
        while not reader.seen and reader.error is None:
            time.sleep(0.01)
        started = time.monotonic()
        done = elt_process(settings, "run", config.import_name, "--file", str(inbox / "sales_new.csv"))
        load_s = time.monotonic() - started
        polls_during_load = reader.seen.total()
        deadline = time.monotonic() + 30
        while reader.last != new and time.monotonic() < deadline and reader.error is None:
            time.sleep(0.01)
    finally:
        reader.stop()
    assert done.returncode == 0, done.stderr
    assert reader.error is None, reader.error
    polls = reader.seen.total()
    print(
        f"\n[no partial visibility] {engine.dialect.name}: {old_rows} -> {new_rows} rows, load {load_s:.1f} s, "
        f"polls {polls} every {poll_s * 1000:.0f} ms (longest {reader.longest_s:.2f} s), states seen "
        + ", ".join(f"{s[0]} rows x{reader.seen[s]}" for s in reader.order)
        + f", partial {len(set(reader.seen) - {old, new})}"
    )
    assert set(reader.seen) <= {old, new}, f"the reader saw a partial table: {reader.order}"
    assert reader.seen[old] >= 1 and reader.last == new
    assert polls_during_load >= 10, "the reader was not polling while the load ran"
    assert query(engine, "SELECT status, COUNT(*) FROM elt_file_ledger GROUP BY status") == [("LOADED", 2)]


@pytest.mark.slow
def test_a_reader_sees_the_old_or_the_new_table_during_a_replace(
    database_url, settings, sales_tables, add_config, inbox
):
    replace_under_a_reader(database_url, settings, sales_tables, add_config, inbox, 20_000, 25_000, POLL_S["quick"])


@pytest.mark.slow
@pytest.mark.full
def test_a_reader_sees_the_old_or_the_new_table_during_a_large_replace(
    database_url, settings, sales_tables, add_config, inbox
):
    replace_under_a_reader(database_url, settings, sales_tables, add_config, inbox, 200_000, 250_000, POLL_S["full"])
