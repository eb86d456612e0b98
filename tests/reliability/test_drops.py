# ruff: noqa: F811  (fixtures are imported by name, then requested as arguments)
"""Half-written and duplicate drops, watched by the real file sensor and loaded by the real job.

Each test drops files into a monitored folder the way suppliers do (see
:mod:`tests.reliability.drops`): a CSV appended in chunks, the same with a pause
longer than the stability window, a ``.tmp`` name renamed when complete, one file
under three names at once, new content under an old name. The sensor ticks on the
wall clock and its runs go through the generated Dagster job, on SQLite and
PostgreSQL. Each file must be loaded exactly once and never half; where a writer's
pause lets the sensor take a half file, the rest must be refused with its reason,
never loaded as a second copy. Figures are printed (-s).
"""

from __future__ import annotations

import os
import time

import pytest

from tests.orchestration.conftest import add_config as add_config_row
from tests.orchestration.conftest import build_defs, instance, warehouse  # noqa: F401
from tests.pipeline.conftest import add_config, inbox, query, sales_tables  # noqa: F401
from tests.reliability.drops import Drop, SensorLoop, Writer, destination, elt_popen, ledger, ledger_messages

#: Product settings of these tests: a file is taken once unchanged for 2 s (the product's default is 10 s).
MIN_AGE_S = 2
MB = 1 << 20


@pytest.fixture
def watch(sales_tables, settings, build_defs, instance, inbox):
    """``watch(load_method)``: the import over ``inbox`` and its sensor loop."""

    def start(load_method: str = "append", deduplication_key: str | None = None) -> SensorLoop:
        add_config_row(
            sales_tables,
            monitored_directory=str(inbox),
            staging_table="stg_sales",
            destination_table="dest_sales",
            load_method=load_method,
            deduplication_key=deduplication_key,
        )
        fast = settings.model_copy(
            update={"file_min_age_seconds": MIN_AGE_S, "sensor_interval_seconds": 1, "batch_window_seconds": 1}
        )
        return SensorLoop(build_defs(fast), instance, sales_tables)

    return start


def report(what: str, loop: SensorLoop, drops: list[Drop], files: int, took_s: float, **extra) -> dict[str, int]:
    """Print the figures of a drop; returns lost and duplicated rows of ``drops`` and stuck files."""
    engine = loop.engine
    lost = duplicated = 0
    for drop in drops:
        _held, distinct, dup = destination(engine, drop.first, drop.rows)
        lost, duplicated = lost + drop.rows - distinct, duplicated + dup
    stuck = query(engine, "SELECT COUNT(*) FROM elt_file_ledger WHERE status IN ('STAGED', 'RELOADING')")[0][0]
    figures = {"lost": lost, "duplicated": duplicated, "stuck": stuck}
    print(
        f"\n[drops] {engine.dialect.name} {what}: files {files} ({len(drops)} contents), "
        f"MB {sum(len(d.data) for d in drops) / MB:.1f}, rows {sum(d.rows for d in drops)}, "
        + ", ".join(f"{k} {v}" for k, v in {**figures, **extra}.items())
        + f", runs {len(loop.runs)}, destination counts seen {loop.counts_seen}, "
        f"ledger states seen {loop.states_seen}, {took_s:.1f} s"
    )
    for drop in drops:
        states = [status for _n, status, _size in ledger(engine, drop.name)]
        print(
            f"[drops]   {drop.name} ({drop.first}..): rows {drop.rows}, held {held(engine, drop)[0]}, ledger {states}"
        )
    return figures


def held(engine, drop: Drop) -> tuple[int, int, int]:
    return destination(engine, drop.first, drop.rows)


def drops_of_every_kind(watch, inbox, big: int, small: int, seconds: float, mid_row: bool = True) -> None:
    """Every kind of drop at once into one append import (no deduplication key), then new content later.

    a: appended in chunks; b: paused after whole rows, longer than the stability window
    (held until the sensor loaded the half); m (``mid_row``): paused mid-row (held until
    that half failed); c: written as .tmp (with a pause too), renamed; d: one content under three
    names at once; e: a file, later new content under its name. Then the rows b's
    refusal said were missing are dropped in a file of their own, as its message advises.
    """
    loop = watch("append")
    engine = loop.engine
    a, b, m = Drop("sales_a.csv", 1, big), Drop("sales_b.csv", 10**8, big), Drop("sales_m.csv", 2 * 10**8, small)
    c, d, e = (
        Drop("sales_c.csv", 3 * 10**8, big),
        Drop("sales_d1.csv", 4 * 10**8, small),
        Drop("sales_e.csv", 5 * 10**8, small),
    )
    pause_s = MIN_AGE_S + 1
    writers = [
        Writer(inbox / a.name, a.data, seconds=seconds, chunks=int(seconds * 10)),
        b_writer := Writer(inbox / b.name, b.data, seconds=1, chunks=20, cut=b.line_end(), pause_s=pause_s, hold=True),
        Writer(inbox / c.name, c.data, seconds=1, chunks=20, cut=c.line_end(), pause_s=pause_s, temp=True),
    ]
    loop.hooks.append(lambda: any(s == "LOADED" for _n, s, _z in ledger(engine, b.name)) and b_writer.resume())
    if mid_row:
        m_writer = Writer(inbox / m.name, m.data, seconds=1, chunks=10, cut=m.mid_row(), pause_s=pause_s, hold=True)
        writers.append(m_writer)
        loop.hooks.append(lambda: any(s == "FAILED" for _n, s, _z in ledger(engine, m.name)) and m_writer.resume())
    loop.writers = {w.path.name: w for w in writers}
    temps = [d.renamed_into(inbox, f"sales_d{n}.csv.tmp") for n in (1, 2, 3)]
    for temp in temps:  # three names at the same moment
        os.replace(temp, temp.with_suffix(""))
    e.renamed_into(inbox)
    e2 = Drop(e.name, 6 * 10**8, small, tag="n")
    later = []  # new content under e's name, once e is loaded

    def replace_e() -> None:
        if not later and any(s == "LOADED" for _n, s, _z in ledger(engine, e.name)):
            later.append(e2.renamed_into(inbox))

    loop.hooks.append(replace_e)
    took = loop.until_quiet(writers, timeout_s=900)

    loaded_of_b = b.whole_rows_before(b.line_end())
    assert held(engine, b) == (loaded_of_b, loaded_of_b, 0), "b's first part should be loaded, and only it"
    rest = Drop("sales_b_rest.csv", b.first + loaded_of_b, rows=b.rows - loaded_of_b)
    rest.renamed_into(inbox)
    took += loop.until_quiet([], timeout_s=300)

    drops = [a, b, *([m] if mid_row else []), c, d, e, e2]
    mid_write = {"requested while written": len(loop.requested_mid_write)}
    refused = len(ledger_messages(engine, "REFUSED"))
    files = len(drops) + 3  # d's two other names, and b's missing rows
    figures = report("of every kind at once", loop, drops, files, took, refused=refused, **mid_write)
    assert figures == {"lost": 0, "duplicated": 0, "stuck": 0}
    assert loop.requested_mid_write == [], "the sensor asked for a file while bytes were still coming"
    for drop in drops:
        assert held(engine, drop) == (drop.rows, drop.rows, 0), drop.name
    assert sorted(ledger(engine, a.name, c.name)) == [(a.name, "LOADED", len(a.data)), (c.name, "LOADED", len(c.data))]
    assert ledger(engine, b.name, rest.name) == [
        (b.name, "LOADED", b.line_end()),
        (b.name, "REFUSED", len(b.data)),
        (rest.name, "LOADED", len(rest.data)),
    ]
    [refusal] = ledger_messages(engine, "REFUSED")
    assert refusal.startswith(f"{b.name} grew after it was loaded") and "write to a temporary name" in refusal
    assert refusal in {m for (m,) in query(engine, "SELECT error_message FROM etl_pipeline_run_logs")}
    if mid_row:
        assert ledger(engine, m.name) == [(m.name, "FAILED", m.mid_row()), (m.name, "LOADED", len(m.data))]
    copies = ledger(engine, "sales_d1.csv", "sales_d2.csv", "sales_d3.csv")
    assert [(status, size) for _n, status, size in copies] == [("LOADED", len(d.data))]
    assert sum(1 for files, _ok in loop.runs if any(n.startswith("sales_d") for n in files)) == 1
    assert ledger(engine, e.name) == [(e.name, "LOADED", len(e.data)), (e.name, "LOADED", len(e2.data))]
    assert not any(name.endswith(".tmp") for files, _ok in loop.runs for name in files)


@pytest.mark.slow
def test_drops_of_every_kind_load_each_file_once_and_never_half(watch, inbox):
    drops_of_every_kind(watch, inbox, big=256 * 1024, small=64 * 1024, seconds=3, mid_row=False)


@pytest.mark.slow
@pytest.mark.full
def test_50_mb_drops_of_every_kind_load_each_file_once_and_never_half(watch, inbox):
    drops_of_every_kind(watch, inbox, big=50 * MB, small=5 * MB, seconds=15)


def three_loaders_at_once(settings, engine, add_config, inbox, method: str, size: int) -> None:
    """`elt run --file` on each of three names of one content, started together: the ledger lets one load it."""
    config = add_config(load_method=method)
    d = Drop("sales_d1.csv", 1, size)
    names = [d.renamed_into(inbox, f"sales_d{n}.csv") for n in (1, 2, 3)]
    started = time.monotonic()
    loaders = [elt_popen(settings, "run", config.import_name, "--file", str(path)) for path in names]
    outputs = [loader.communicate(timeout=300) for loader in loaders]
    took = time.monotonic() - started
    codes = [loader.returncode for loader in loaders]
    rows, distinct, duplicated = destination(engine)
    staged = query(engine, "SELECT COUNT(*) FROM stg_sales")[0][0]
    logs = query(engine, "SELECT status, error_message FROM etl_pipeline_run_logs ORDER BY id")
    statuses = [s for s, _m in logs]
    print(
        f"\n[drops] {engine.dialect.name} one content under 3 names, 3 `elt run` at once ({method}): files 3, "
        f"rows {d.rows}, held {rows}, lost {d.rows - distinct}, duplicated {duplicated}, "
        f"orphan staging rows {staged}, exit codes {codes}, run logs {statuses}, {took:.1f} s"
    )
    assert (rows, distinct, duplicated) == (d.rows, d.rows, 0), outputs
    assert [(s, z) for _n, s, z in ledger(engine)] == [("LOADED", len(d.data))]
    assert staged == 0, "a loader left its staged rows behind"
    assert statuses.count("SUCCESS") == 1, statuses
    for status, message in logs:  # the others: a duplicate, or told that another run loads it
        assert status in ("SUCCESS", "SKIPPED_DUPLICATE") or message.startswith("Another run"), (message, outputs)


@pytest.mark.slow
@pytest.mark.full  # the quick tier has tests/pipeline/test_retry.py's in-process race of two loaders
def test_one_content_under_three_names_loaded_by_three_processes_at_once_loads_once(
    settings, sales_tables, add_config, inbox
):
    three_loaders_at_once(settings, sales_tables, add_config, inbox, "append", size=256 * 1024)


@pytest.mark.slow
@pytest.mark.full
def test_one_5_mb_content_under_three_names_replaced_by_three_processes_at_once_loads_once(
    settings, sales_tables, add_config, inbox
):
    three_loaders_at_once(settings, sales_tables, add_config, inbox, "replace", size=5 * MB)
