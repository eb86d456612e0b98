"""Files dropped the way suppliers drop them, watched by the real file sensor, loaded by the real job.

:class:`Writer` is a process of its own that writes a CSV in chunks cut at byte
boundaries (mid-line, as a copy or an export does), optionally pausing mid-file or
writing under a ``.tmp`` name and renaming at the end. :class:`SensorLoop` evaluates
the import's Dagster file sensor on the wall clock, every ``tick_s``, with the cursor
each tick leaves, and runs every run it requests through the generated job
(``execute_in_process``: the assets `dagster dev` runs), skipping run keys already
started as Dagster's daemon does. After each tick it notes the destination's row count
and the ledger's states, so a test can say what a reader could have seen.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from elt_project.pipeline.crashpoints import ENV_VAR
from tests.pipeline.conftest import HEADER, query

TICK_S = 0.25
ROOT = Path(__file__).resolve().parents[2]


def elt_popen(settings, *args: str) -> subprocess.Popen:
    """`elt ARGS` started as a real process on the test warehouse (as ``test_crash_matrix.elt_process``, not waited)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "ELT_TRANSFORMS_DIR": str(settings.transforms_dir),
    }
    env.pop(ENV_VAR, None)
    command = [sys.executable, "-c", "from elt_project.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def csv_bytes(first: int, rows: int, tag: str = "c") -> bytes:
    """A CSV of order ids ``first``..``first + rows - 1``; ``tag`` marks the customer, to tell contents apart."""
    lines = [",".join(HEADER)] + [f"{i},{tag}{i:08d},{i % 997}.25,A" for i in range(first, first + rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def rows_for_bytes(size: int) -> int:
    """About how many rows make a file of ``size`` bytes (a row is about 30 bytes)."""
    return max(1, size // 30)


@dataclass
class Drop:
    """One file a supplier drops: its name, and rows with order ids ``first``..``first + rows - 1``."""

    name: str
    first: int
    size: int = 0
    tag: str = "c"
    rows: int = 0  # by default, as many as make ``size`` bytes

    def __post_init__(self) -> None:
        self.rows = self.rows or rows_for_bytes(self.size)
        self.data = csv_bytes(self.first, self.rows, self.tag)

    def line_end(self) -> int:
        """A byte offset near the middle that ends a line: the part before it holds whole rows."""
        return self.data.index(b"\r\n", len(self.data) // 2) + 2

    def mid_row(self) -> int:
        """A byte offset near the middle inside a row's customer field: the part before it ends in half a row."""
        return self.data.index(b"\r\n", len(self.data) // 2) - 14

    def whole_rows_before(self, offset: int) -> int:
        return self.data[:offset].count(b"\r\n") - 1  # the header line is not a row

    def renamed_into(self, folder: Path, name: str | None = None) -> Path:
        """Written under a ``.tmp`` name, then renamed: the way docs/engine.md asks suppliers to drop files."""
        target = folder / (name or self.name)
        temp = target.with_name(target.name + ".tmp")
        temp.write_bytes(self.data)
        os.replace(temp, target)
        return target


WRITING, PAUSED, DONE = 0, 1, 2


def _write(
    path: str, data: bytes, seconds: float, chunks: int, cut: int | None, pause_s: float, resume, temp: bool, phase
):
    target = Path(path)
    writing = target.with_name(target.name + ".tmp") if temp else target
    parts = [data] if cut is None else [data[:cut], data[cut:]]
    with open(writing, "wb") as handle:
        for number, part in enumerate(parts):
            if number:  # the pause: at least pause_s, then (held) until the test saw what the sensor did
                phase.value = PAUSED
                time.sleep(pause_s)
                if resume is not None:
                    resume.wait(timeout=300)
                phase.value = WRITING
            step = max(1, -(-len(part) // max(1, chunks // len(parts))))
            for start in range(0, len(part), step):
                handle.write(part[start : start + step])
                handle.flush()
                time.sleep(seconds / chunks)
    if temp:
        os.replace(writing, target)
    phase.value = DONE


class Writer:
    """A supplier writing ``data`` to ``path`` over ``seconds`` in ``chunks`` (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        data: bytes,
        *,
        seconds: float,
        chunks: int = 50,
        cut: int | None = None,
        pause_s: float = 0.0,
        temp: bool = False,
        hold: bool = False,
    ) -> None:
        """``cut``: pause after this many bytes for ``pause_s``; with ``hold``, then until :meth:`resume`."""
        self.path = path
        context = multiprocessing.get_context("fork")
        self.resumed = context.Event() if hold else None
        self.phase = context.Value("i", WRITING)
        self.process = context.Process(
            target=_write,
            args=(str(path), data, seconds, chunks, cut, pause_s, self.resumed, temp, self.phase),
            daemon=True,
        )
        self.process.start()

    def resume(self) -> None:
        if self.resumed is not None:
            self.resumed.set()

    def done(self) -> bool:
        return not self.process.is_alive()

    def writing(self) -> bool:
        """Bytes are still coming (not paused, not finished)."""
        return self.phase.value == WRITING and self.process.is_alive()

    def join(self) -> None:
        self.process.join(timeout=300)
        assert self.process.exitcode == 0, f"the writer of {self.path.name} failed"


@dataclass
class SensorLoop:
    """The import's file sensor ticking on the wall clock; requested runs go through the generated job."""

    defs: dg.Definitions
    instance: dg.DagsterInstance
    engine: object
    sensor: str = "daily_sales_file_sensor"
    job: str = "Sales_job"
    cursor: str | None = None
    run_keys: set[str] = field(default_factory=set)
    runs: list[tuple[list[str], bool]] = field(default_factory=list)
    counts_seen: list[int] = field(default_factory=list)  # distinct destination row counts, in order
    states_seen: list[str] = field(default_factory=list)  # distinct ledger states, in order
    last_skip: str = ""
    #: called after every tick (e.g. to let a paused writer go on once the sensor acted)
    hooks: list = field(default_factory=list)
    #: the writers of files in the folder, by file name: a run requested while one writes is noted
    writers: dict[str, Writer] = field(default_factory=dict)
    requested_mid_write: list[str] = field(default_factory=list)

    def tick(self) -> None:
        sensor = self.defs.resolve_sensor_def(self.sensor)
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, definitions=self.defs, resources=dict(self.defs.resources)
        ) as context:
            result = sensor.evaluate_tick(context)
        self.cursor = result.cursor
        self.last_skip = result.skip_message or ""
        requests = [r for r in result.run_requests or [] if r.run_key not in self.run_keys]
        writing = {name for name, writer in self.writers.items() if writer.writing()}  # as the sensor decided
        for request in requests:  # the daemon starts one run per run key, ever
            self.run_keys.add(request.run_key)
            files = next(iter(request.run_config["ops"].values()))["config"]["files"]
            names = [Path(f).name for f in files]
            self.requested_mid_write += [n for n in names if n in writing]
            outcome = self.defs.resolve_job_def(self.job).execute_in_process(
                instance=self.instance,
                run_config=request.run_config,
                tags=request.tags,
                asset_selection=request.asset_selection,
                raise_on_error=False,
            )
            self.runs.append((names, outcome.success))
        self._observe()
        for hook in self.hooks:
            hook()

    def _observe(self) -> None:
        count = query(self.engine, "SELECT COUNT(*) FROM dest_sales")[0][0]
        if not self.counts_seen or self.counts_seen[-1] != count:
            self.counts_seen.append(count)
        for (status,) in query(self.engine, "SELECT DISTINCT status FROM elt_file_ledger"):
            if status not in self.states_seen:
                self.states_seen.append(status)

    def until_quiet(self, writers: list[Writer], timeout_s: float) -> float:
        """Tick until every writer is done and the sensor has nothing settling or pending; seconds taken."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            began = time.monotonic()
            self.tick()
            if all(w.done() for w in writers) and self.last_skip == "No new files.":
                break
            time.sleep(max(0.0, TICK_S - (time.monotonic() - began)))
        for writer in writers:
            writer.join()
        assert self.last_skip == "No new files.", f"the sensor did not settle: {self.last_skip}"
        return time.monotonic() - started


def destination(engine, first: int = 0, rows: int = 10**12) -> tuple[int, int, int]:
    """(rows, distinct order ids, duplicated rows) of dest_sales with ids ``first``..``first + rows - 1``."""
    held, distinct = query(
        engine,
        "SELECT COUNT(*), COUNT(DISTINCT order_id) FROM dest_sales WHERE order_id >= :a AND order_id < :b",
        a=first,
        b=first + rows,
    )[0]
    return held, distinct, held - distinct


def ledger(engine, *names: str) -> list[tuple[str, str, int]]:
    """(file name, status, size) of the ledger rows of files ``names`` (all without), oldest first."""
    rows = query(engine, "SELECT file_path, status, file_size FROM elt_file_ledger ORDER BY id")
    return [(Path(p).name, status, size) for p, status, size in rows if not names or Path(p).name in names]


def ledger_messages(engine, status: str) -> list[str]:
    return [m for (m,) in query(engine, "SELECT error_message FROM elt_file_ledger WHERE status = :s", s=status)]
