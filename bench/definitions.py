"""Benchmark: code-location load time by config rows, and one file-sensor tick over 10,000 files.

Run: ``.venv/bin/python bench/definitions.py`` (about a minute). Targets: 1,000 rows load
in < 10 s and grow linearly or better; a tick over 10,000 unchanged files takes < 1 s.

"Load" is what a code server does on start or reload: read the config snapshot,
build the definitions, validate them into a repository, and serialise the
repository snapshot the webserver shows. The tick is the second one (cursor warm).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
from dagster._core.code_pointer import CodePointer
from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext
from dagster._core.definitions.reconstruct import initialize_repository_def_from_pointer
from dagster._core.remote_representation.external_data import RepositorySnap

from elt_project.db import schema
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import read_snapshot
from elt_project.settings import load_settings

POINTER = CodePointer.from_module("elt_project.definitions", "defs", working_directory=None)
IMPORTS_PER_GROUP = 10


def _warehouse(folder: Path, rows: int) -> str:
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    upgrade(engine)
    configs = [
        {
            "pipeline_name": f"Pipeline {i // IMPORTS_PER_GROUP}",
            "import_name": f"import {i}",
            "file_pattern": f"feed_{i}_*.csv",
            "monitored_directory": str(folder / "in" / str(i)),
            "connection_string": None,
            "file_type": "csv",
            "staging_table": f"stg_{i}",
            "destination_table": f"dest_{i // IMPORTS_PER_GROUP}",
            "parser_function": None,
            "transform_procedure": None,
            "load_method": "append" if i % 2 else "replace",
            "deduplication_key": None,
            "depends_on": f"import {i - 1}" if i % IMPORTS_PER_GROUP else None,
            "is_active": 1,
        }
        for i in range(rows)
    ]
    rules = [
        {
            "rule_name": f"rule {i}",
            "target_table": f"stg_{i}",
            "target_column": "amount",
            "check_type": "NOT_NULL",
            "severity": "FAIL" if i % 2 else "WARN",
            "is_active": 1,
        }
        for i in range(0, rows, 2)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.elt_pipeline_configs), configs)
        conn.execute(sa.insert(schema.data_quality_rules), rules)
    engine.dispose()
    return url


def load_seconds(rows: int) -> tuple[float, float, int]:
    """Wall and CPU seconds for one code-location load with ``rows`` config rows; and the asset count."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["DATABASE_URL"] = _warehouse(folder, rows)
        os.environ["ELT_DATA_DIR"] = str(folder / "data")
        started, cpu = time.perf_counter(), time.process_time()
        repo = initialize_repository_def_from_pointer(POINTER)
        RepositorySnap.from_def(repo)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        DefinitionsLoadContext._instance = None
        return elapsed, cpu, len(repo.asset_graph.get_all_asset_keys())


def tick_seconds(files: int) -> tuple[float, float]:
    """(first tick, median warm tick) seconds over ``files`` unchanged files in one monitored folder.

    The first tick hashes every file and requests its runs; the warm ticks that follow
    see nothing new. The median of five damps the noise of a shared machine.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = _warehouse(folder, 1)
        incoming = folder / "in" / "0"
        incoming.mkdir(parents=True)
        for n in range(files):
            (incoming / f"feed_0_{n:05d}.csv").write_text(f"id,amount\n{n},1\n")
        settings = load_settings(
            env={},
            env_file=folder / "no.env",
            database_url=url,
            data_dir=str(folder / "data"),
            file_min_age_seconds=0,
            batch_window_seconds=0,
        )
        defs = build_definitions(
            read_snapshot(create_warehouse_engine(url)),
            settings,
            warehouse=WarehouseResource.for_settings(settings),
        )
        sensor = defs.resolve_sensor_def("import_0_file_sensor")
        times, cursor = [], None
        with dg.instance_for_test() as instance:
            for _ in range(6):
                with dg.build_sensor_context(instance=instance, cursor=cursor, resources=dict(defs.resources)) as ctx:
                    started = time.perf_counter()
                    result = sensor.evaluate_tick(ctx)
                    times.append(time.perf_counter() - started)
                cursor = result.cursor
        assert result.skip_message == "No new files.", result.skip_message
        return times[0], statistics.median(times[1:])


def main() -> None:
    load_seconds(1)  # warm-up: first imports of the parsers and Dagster modules are not per-row cost
    print(f"{'config rows':>12} {'assets':>7} {'load s':>8} {'cpu s':>7} {'ms per row':>11}")
    load_1000 = 0.0
    for rows in (10, 100, 1000):
        seconds, cpu, assets = load_seconds(rows)
        print(f"{rows:>12} {assets:>7} {seconds:>8.2f} {cpu:>7.2f} {1000 * seconds / rows:>11.1f}")
        load_1000 = seconds
    first, second = tick_seconds(10_000)
    print(
        f"sensor tick over 10,000 files: first (hash all, request all) {first:.2f} s, "
        f"warm (unchanged, median of 5) {second:.3f} s"
    )
    print(f"defs_load_s_1000={load_1000:.2f} tick_s_10000={second:.3f}")


if __name__ == "__main__":
    main()
