"""The replace→append switch under drops, crashes and restarts, as a Hypothesis state machine.

Two imports share one folder and one destination, as the product docs describe: ``first``
(``replace``, active, ``on_success_deactivate_self_and_activate_import = 'delta'``) and
``delta`` (``append``, inactive). Hypothesis drops files (new content, the same content
again under another name, a file changed in place), runs the active import the way a
sensor tick or ``elt run`` does, kills a real ``elt run`` process at any crash point
(:mod:`elt_project.pipeline.crashpoints`) and restarts. A plain Python model says what the
destination must hold: the first successful load replaces it with every file not loaded
yet and hands over to ``delta``; after that each new content is appended once. After every
step the destination must equal the model (no row lost, none twice) and the active import
must be the model's.

Quick tier: a few short examples per warehouse; ``--full`` runs many longer ones.
"""

from __future__ import annotations

import collections
import itertools
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from elt_project.config.repository import get_pipeline_config
from elt_project.pipeline.api import run_import
from elt_project.pipeline.crashpoints import POINTS
from tests.config_rows import insert_config
from tests.pipeline.conftest import DEST_DDL, STAGING_DDL, write_csv
from tests.reliability.test_crash_matrix import elt_process

QUICK = settings(
    max_examples=4,
    stateful_step_count=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
FULL = settings(max_examples=20, stateful_step_count=14, deadline=None, suppress_health_check=list(HealthCheck))


class SwitchMachine(RuleBasedStateMachine):
    """Real engine and processes on one side, a list of expected order ids on the other."""

    engine = None  # set by the test: the warehouse of this leg
    settings_ = None
    figures: collections.Counter = collections.Counter()

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="switch-", dir=self.settings_.data_dir.parent))
        reset_warehouse(self.engine, self.folder)
        self.ids = itertools.count(1)
        self.contents: dict[str, tuple[int, ...]] = {}  # file name -> the order ids it holds
        self.loaded: set[tuple[int, ...]] = set()  # contents loaded (by either import)
        self.expected: list[int] = []
        self.active = "first"
        self.figures["examples"] += 1

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- drops ------------------------------------------------------------------------------------

    def _write(self, name: str, content: tuple[int, ...]) -> None:
        write_csv(self.folder / name, [[i, f"c{i}", str(i), "A"] for i in content])
        self.contents[name] = content
        self.figures["drops"] += 1

    @rule(rows=st.integers(min_value=1, max_value=4))
    def drop_new_file(self, rows: int) -> None:
        self._write(f"sales_{len(self.contents) + 1}.csv", tuple(next(self.ids) for _ in range(rows)))

    @precondition(lambda self: self.contents)
    @rule(data=st.data())
    def drop_same_file_again(self, data) -> None:
        name = data.draw(st.sampled_from(sorted(self.contents)))
        self._write(f"sales_{len(self.contents) + 1}.csv", self.contents[name])

    @precondition(lambda self: self.contents)
    @rule(data=st.data(), rows=st.integers(min_value=1, max_value=3))
    def change_file_in_place(self, data, rows: int) -> None:
        name = data.draw(st.sampled_from(sorted(self.contents)))
        self._write(name, tuple(next(self.ids) for _ in range(rows)))

    # --- runs, crashes, restarts ------------------------------------------------------------------

    def _apply_load(self) -> None:
        """The model of one successful run of the active import over the folder."""
        new = sorted({c for c in self.contents.values() if c not in self.loaded})
        if not new:
            return
        rows = [i for content in new for i in content]
        self.loaded.update(new)
        if self.active == "first":
            self.expected = rows  # replace: the destination becomes this run's files
            self.active = "delta"
        else:
            self.expected += rows

    @rule()
    def run_active_import(self) -> None:
        """A sensor tick / ``elt run`` of whichever import is active now (also a restart after a crash)."""
        run_import(self.engine, self.settings_, get_pipeline_config(self.engine, active_import(self.engine)))
        self._apply_load()
        self.figures["runs"] += 1

    @precondition(lambda self: any(c not in self.loaded for c in self.contents.values()))
    @rule(point=st.sampled_from(POINTS))
    def crash_a_run(self, point: str) -> None:
        """``elt run`` of the active import SIGKILLed at ``point``; only ``after_commit`` has loaded anything."""
        crashed = elt_process(self.settings_, "run", active_import(self.engine), crash_at=point)
        assert crashed.returncode == -9, f"not killed at {point}: {crashed.stdout} {crashed.stderr}"
        self.figures["kills"] += 1
        if point == "after_commit":
            self._apply_load()

    # --- what must hold after every step ----------------------------------------------------------

    @invariant()
    def destination_equals_the_model(self) -> None:
        actual = sorted(r[0] for r in query(self.engine, "SELECT order_id FROM dest_sales"))
        assert actual == sorted(self.expected), f"destination {actual} != model {sorted(self.expected)}"
        assert active_import(self.engine) == self.active


def query(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def active_import(engine) -> str:
    rows = query(engine, "SELECT import_name FROM elt_pipeline_configs WHERE is_active = 1")
    assert len(rows) == 1, f"exactly one of the pair must be active: {rows}"
    return rows[0][0]


def reset_warehouse(engine, folder: Path) -> None:
    """Fresh tables, ledger, run logs and the two configs for one example."""
    with engine.begin() as conn:
        for table in ("stg_sales", "dest_sales"):
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        for table in ("elt_file_ledger", "etl_pipeline_run_logs", "elt_pipeline_configs"):
            conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names of metadata tables
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
        base = {
            "pipeline_name": "sales",
            "file_pattern": "sales_*.csv",
            "monitored_directory": str(folder),
            "file_type": "csv",
            "staging_table": "stg_sales",
            "destination_table": "dest_sales",
        }
        insert_config(
            conn,
            import_name="first",
            load_method="replace",
            is_active=1,
            on_success_deactivate_self_and_activate_import="delta",
            **base,
        )
        insert_config(conn, import_name="delta", load_method="append", is_active=0, **base)


def _run(engine, settings_, hypothesis_settings) -> None:
    SwitchMachine.engine, SwitchMachine.settings_ = engine, settings_
    SwitchMachine.figures = collections.Counter()
    settings_.data_dir.mkdir(parents=True, exist_ok=True)
    verdict = "a step where the destination differed from the model (see the failing case)"
    try:
        run_state_machine_as_test(SwitchMachine, settings=hypothesis_settings)
        verdict = "the destination equal to the model after every step"
    finally:
        f = SwitchMachine.figures
        print(
            f"\n[replace→append machine] {engine.dialect.name}: examples {f['examples']}, drops {f['drops']}, "
            f"runs {f['runs']}, kills {f['kills']}; {verdict}"
        )


@pytest.mark.slow
def test_switch_machine_quick(engine, settings):
    _run(engine, settings.model_copy(update={"recovery_after_seconds": 0}), QUICK)


@pytest.mark.full
def test_switch_machine_full(engine, settings):
    _run(engine, settings.model_copy(update={"recovery_after_seconds": 0}), FULL)


def test_the_append_import_does_not_load_again_what_the_replace_import_loaded(engine, settings, tmp_path):
    """The switch's hand-over on its own: the file ``first`` loaded is still in the folder when ``delta`` runs."""
    folder = tmp_path / "shared"
    folder.mkdir()
    reset_warehouse(engine, folder)
    write_csv(folder / "sales_1.csv", [[1, "Ann", "10", "A"], [2, "Bob", "20", "A"]])
    run_import(engine, settings, get_pipeline_config(engine, active_import(engine)))
    write_csv(folder / "sales_2.csv", [[3, "Cy", "30", "A"]])
    run_import(engine, settings, get_pipeline_config(engine, active_import(engine)))
    ids = sorted(r[0] for r in query(engine, "SELECT order_id FROM dest_sales"))
    print(f"\n[replace→append] {engine.dialect.name}: after the switch and one append run the destination holds {ids}")
    assert ids == [1, 2, 3]
    assert active_import(engine) == "delta"
