"""Ingest benchmark: this engine against the tools people would otherwise use.

Run on demand (not a test)::

    .venv/bin/python bench/ingest.py              # 1,000,000 rows x 12 columns, 3 rounds
    .venv/bin/python bench/ingest.py --rows 5000000 --repeat 1

One CSV is generated, then timed, each in a fresh database:

(a) this engine on SQLite, end to end, into a typed destination with 3 quality rules (in
    a child process, whose peak RSS is read with ``resource.getrusage``). The import uses
    the built-in transform, so it takes the direct path: its "staging load" part is parse →
    a scratch copy of staging → INSERT…SELECT into the destination
    (``elt_project/db/sqlite_scratch.py``), its "built-in transform" part the ledger and
    commit after it;
(b) the ``sqlite3`` CLI's ``.import`` of the same file;
(c) ``pandas.read_csv`` + ``DataFrame.to_sql`` into SQLite (once: it is slow);
(d) this engine on PostgreSQL and (e) ``psql \\copy`` — when PostgreSQL answers at
    ``ELT_BENCH_POSTGRES_URL`` (default the loopback test server). The import uses the
    built-in transform, so the engine loads the file straight into the destination
    (``elt_project/pipeline/direct_load.py``): its "staging load" part is parse → COPY
    into the destination, its "built-in transform" part the ledger and commit after it;
(d2) the same import as its group's run (``python3 launch.py elt run --pipeline``) and
    (d3) as a Dagster run of the generated job, executed in process on an ephemeral
    instance — the sensor's and the Data Importer's path: its staging step loads the
    file directly and its transform step finds nothing left (both PostgreSQL only);
(f) the staged flow typed by hand into ``psql``, with no engine code at all:
    ``\\copy`` of the file with its lineage columns into the staging table, the three
    checks in one scan, then TRUNCATE + INSERT…SELECT with the same casts in one
    transaction. (f) ÷ (e) is what the staged flow itself costs on this server, and
    (d) ÷ (f) what the engine adds to it;
(g) the same for SQLite in the ``sqlite3`` CLI: ``.import`` of the file with its
    lineage columns into a staging table of a WAL database (the warehouse's mode),
    the checks, then DELETE + INSERT…SELECT with the built-in transform's casts;
(a') and (d'), unless ``--no-procedure``: the engine again on each warehouse, with a
    procedure transform instead (``transform_procedure``, as the product documents
    them: a PostgreSQL procedure called (``CALL``) with the run id and the tables to truncate,
    a SQL script on SQLite) that reads the run's staged rows and casts them into the
    destination with the same casts as (f)/(g). A procedure reads the staging table,
    so these runs take the staged flow on both warehouses: (a') ÷ (g) and (d') ÷ (f) are
    the engine's overhead over the same flow typed by hand;
(h) dlt on its fastest PostgreSQL path (Arrow batches → parquet → ADBC), when dlt is
    installed (the ``bench`` extra), and (i) Sling's ``sling run`` of the file into
    PostgreSQL, when its binary is (the ``sling-linux-amd64`` wheel).

Disk timings on a shared machine are noisy, so every timed step starts after
``sync`` (no earlier step's dirty pages are flushed on its clock), the steps run in
interleaved rounds (``--repeat``), and ratios are taken between medians.

A summary under the ratios gives, per transform and warehouse, the engine's median
over the bare load and over the flow by hand, with the largest peak RSS of its runs.

The last line is machine-readable:
``ingest_ratio_vs_sqlite_import=X.XX peak_rss_mb=N`` where the ratio is the engine's
staging load (parse → stage) over ``.import``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest_dagster import dagster_run, landed_counts
from ingest_peers import (
    COLUMNS,
    DESTINATION_COLUMNS,
    PROCEDURE,
    STAGING_COLUMNS,
    dlt_load,
    drop_schema,
    generate_csv,
    postgres_urls,
    procedure_sql,
    psql_copy,
    psql_floor,
    sling_load,
    sqlite_floor,
    sqlite_import,
    write_lineage_csv,
)

# ---- the engine, in a child process ----------------------------------------------------------


def engine_child(
    database_url: str, csv_path: Path, workdir: Path, how: str = "import", transform: str = "builtin"
) -> dict:
    """Set up a warehouse, run the import end to end, report timings and peak RSS.

    ``how``: ``import`` (``run_import``), ``group`` (``run_pipeline``) or ``dagster``
    (the generated job, in process); ``transform`` is ``builtin`` or ``procedure``
    (:func:`ingest_peers.procedure_sql`).
    """
    import sqlalchemy as sa

    from elt_project.config.repository import get_pipeline_config
    from elt_project.db.engine import create_warehouse_engine
    from elt_project.db.migrate import upgrade
    from elt_project.pipeline.api import run_import, run_pipeline
    from elt_project.settings import load_settings

    engine = create_warehouse_engine(database_url)
    upgrade(engine)
    procedure = PROCEDURE if transform == "procedure" else None
    transforms_dir = workdir / "transforms"
    if procedure and engine.dialect.name == "sqlite":
        transforms_dir.mkdir(exist_ok=True)
        (transforms_dir / f"{procedure}.sql").write_text(procedure_sql("sqlite", "dest_bench", "stg_bench"))
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE stg_bench ({STAGING_COLUMNS})"))
        conn.execute(sa.text(f"CREATE TABLE dest_bench ({DESTINATION_COLUMNS})"))
        if procedure and engine.dialect.name == "postgresql":
            conn.execute(sa.text(procedure_sql("postgresql", "dest_bench", "stg_bench")))
        conn.execute(
            sa.text(
                "INSERT INTO elt_pipeline_configs (pipeline_name, import_name, file_pattern, monitored_directory, "
                "file_type, staging_table, destination_table, transform_procedure, load_method, is_active) VALUES "
                "('bench', 'bench_orders', 'orders*.csv', :folder, 'csv', 'stg_bench', 'dest_bench', :procedure, "
                "'replace', 1)"
            ),
            {"folder": str(csv_path.parent), "procedure": procedure},
        )
        conn.execute(
            sa.text(
                "INSERT INTO data_quality_rules (rule_name, target_table, target_column, check_type, check_expression, "
                "severity, is_active) VALUES "
                "('bench_id_not_null', 'stg_bench', 'id', 'NOT_NULL', NULL, 'FAIL', 1), "
                "('bench_status_in_set', 'stg_bench', 'status', 'IS_IN_SET', '''A'', ''I''', 'FAIL', 1), "
                "('bench_amount_range', 'stg_bench', 'amount', 'RANGE', '0,1000', 'WARN', 1)"
            )
        )
    settings = load_settings(
        env={"ELT_MONITORED_ROOTS": str(csv_path.parent)},
        env_file=workdir / "none.env",
        database_url=database_url,
        data_dir=str(workdir / "data"),
        transforms_dir=str(transforms_dir),
    )
    config = get_pipeline_config(engine, "bench_orders")
    if how == "dagster":
        os.environ["ELT_MONITORED_ROOTS"] = str(csv_path.parent)  # the run's resource reads the environment
        return {**dagster_run(engine, settings, workdir), "peak_rss_mb": own_peak_rss_mb(), "loader_rss_mb": 0.0}
    os.sync()
    started = time.perf_counter()
    if how == "group":
        summary = run_pipeline(engine, settings, "bench")
    else:
        summary = run_import(engine, settings, config, [csv_path])
    total = time.perf_counter() - started
    stage = summary.stages[0]
    loaded, staged = landed_counts(engine)
    return {
        "total": total,
        "staged": staged,
        "load": stage.timings.get("load", 0.0),
        "quality": stage.timings.get("quality", 0.0),
        "transform": summary.transform.duration_s if summary.transform else 0.0,
        "rows": loaded,
        "peak_rss_mb": own_peak_rss_mb(),
        # SQLite loads through a child process (elt_project.db.bulk_load): its peak, separately.
        "loader_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def own_peak_rss_mb() -> float:
    """This process's peak RSS since it started.

    ``VmHWM`` rather than ``getrusage``: ``ru_maxrss`` survives ``execve``, so a child
    would report the parent's size at fork time whenever that was larger.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc (macOS)


def pandas_child(database_path: Path, csv_path: Path) -> dict:
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{database_path}")
    os.sync()
    started = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""])
    frame.to_sql("orders", engine, if_exists="replace", index=False, chunksize=50_000)
    return {
        "total": time.perf_counter() - started,
        "peak_rss_mb": own_peak_rss_mb(),
    }


def run_child(kind: str, *args: str) -> dict:
    """Run ``kind`` in a fresh interpreter so its peak RSS is its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- report --------------------------------------------------------------------------------------


class Timings:
    """Seconds per step over the rounds; medians for the table and the ratios."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}
        self.notes: dict[str, str] = {}

    def add(self, step: str, seconds: float | None, note: str = "") -> None:
        if seconds is not None:
            self.seconds.setdefault(step, []).append(seconds)
        if note:
            self.notes[step] = note

    def median(self, step: str) -> float | None:
        values = self.seconds.get(step)
        return statistics.median(values) if values else None

    def table(self) -> str:
        lines = [f"{'step':36} {'median s':>9} {'min':>7} {'max':>7}  note"]
        for step, values in self.seconds.items():
            lines.append(
                f"{step:36} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}  "
                f"{self.notes.get(step, '')}"
            )
        return "\n".join(lines)


SQLITE_E2E, DOT_IMPORT = "(a) engine SQLite end to end", "(b) sqlite3 .import"
SQLITE_PROC, PG_PROC = "(a') engine SQLite, procedure", "(d') engine PostgreSQL, procedure"
SQLITE_LOAD = "    SQLite staging load"
PG_E2E, PG_COPY = "(d) engine PostgreSQL end to end", "(e) psql \\copy"
PG_GROUP, PG_DAGSTER = "(d2) engine PostgreSQL, group run", "(d3) engine PostgreSQL, Dagster run"
SQLITE_FLOOR, PG_FLOOR = "(g) same flow by hand in sqlite3", "(f) same flow by hand in psql"
PG_DLT, PG_SLING = "(h) dlt parquet -> ADBC (PostgreSQL)", "(i) Sling (PostgreSQL)"
#: (label, numerator step, denominator step, what it means), printed under the table.
RATIOS = [
    ("staging load / .import", SQLITE_LOAD, DOT_IMPORT, "target <= 1.3"),
    ("engine end to end / .import", SQLITE_E2E, DOT_IMPORT, "target <= 2"),
    ("SQLite flow by hand / .import", SQLITE_FLOOR, DOT_IMPORT, "the staged flow by hand"),
    ("SQLite engine / flow by hand", SQLITE_E2E, SQLITE_FLOOR, "the engine's own overhead"),
    ("pandas to_sql / engine", "(c) pandas read_csv + to_sql", SQLITE_E2E, "target >= 2"),
    ("PG engine end to end / \\copy", PG_E2E, PG_COPY, "target <= 3"),
    ("PG group run / \\copy", PG_GROUP, PG_COPY, "elt run --pipeline"),
    ("PG Dagster run / \\copy", PG_DAGSTER, PG_COPY, "the sensor's path, in process"),
    ("PG engine end to end / dlt", PG_E2E, PG_DLT, "target <= 0.67 (1.5x faster)"),
    ("PG engine end to end / Sling", PG_E2E, PG_SLING, "lower is better"),
    ("PG flow by hand / \\copy", PG_FLOOR, PG_COPY, "the staged flow by hand"),
    ("PG engine / flow by hand", PG_E2E, PG_FLOOR, "the engine's own overhead"),
    ("SQLite procedure / .import", SQLITE_PROC, DOT_IMPORT, "staged flow, procedure transform"),
    ("SQLite procedure / flow by hand", SQLITE_PROC, SQLITE_FLOOR, "the engine's own overhead"),
    ("PG procedure / \\copy", PG_PROC, PG_COPY, "staged flow, procedure transform"),
    ("PG procedure / flow by hand", PG_PROC, PG_FLOOR, "the engine's own overhead"),
]
#: (transform, warehouse, engine step, bare load step, flow-by-hand step, report key) of the summary.
SUMMARY = [
    ("built-in", "SQLite", SQLITE_E2E, DOT_IMPORT, SQLITE_FLOOR, "sqlite"),
    ("procedure", "SQLite", SQLITE_PROC, DOT_IMPORT, SQLITE_FLOOR, "sqlite_procedure"),
    ("built-in", "PostgreSQL", PG_E2E, PG_COPY, PG_FLOOR, "postgresql"),
    ("procedure", "PostgreSQL", PG_PROC, PG_COPY, PG_FLOOR, "postgresql_procedure"),
]


#: The parts of an engine run reported under its total: report key → label.
ENGINE_PARTS = {"load": "staging load", "quality": "3 quality rules", "transform": "built-in transform"}


def add_engine_report(timings: Timings, step: str, warehouse: str, report: dict, note: str) -> None:
    """The engine's total under ``step`` and its parts indented below it (a procedure's transform is its CALL)."""
    timings.add(step, report["total"], note)
    for key, label in ENGINE_PARTS.items():
        if key == "transform" and step in (SQLITE_PROC, PG_PROC):
            label = "procedure transform"
        timings.add(f"    {warehouse} {label}", report[key])


def summary_table(timings: Timings, peaks: dict[str, float]) -> str:
    """Engine ÷ bare load and ÷ flow by hand, per transform and warehouse, with the largest peak RSS."""
    header = f"{'transform':10} {'warehouse':11} {'engine s':>8} {'÷ bare load':>12} {'÷ by hand':>10}"
    lines = [f"{header} {'peak RSS MB':>12}"]
    for transform, warehouse, step, bare, by_hand, key in SUMMARY:
        engine, load, hand = timings.median(step), timings.median(bare), timings.median(by_hand)
        if engine is None:
            continue
        over_load = f"{engine / load:.2f}" if load else "-"
        over_hand = f"{engine / hand:.2f}" if hand else "-"
        lines.append(
            f"{transform:10} {warehouse:11} {engine:8.2f} {over_load:>12} {over_hand:>10} {peaks.get(key, 0):12.0f}"
        )
    return "\n".join(lines)


def ratio_line(label: str, numerator: float | None, denominator: float | None, target: str) -> str | None:
    if numerator is None or denominator is None:
        return None
    return f"{label:36} = {numerator / denominator:5.2f}  ({target})"


def run_round(
    work: Path, csv_path: Path, lineage_csv: Path, rows: int, number: int, timings: Timings, procedure: bool
) -> dict:
    """One round of (a), (a'), (b), (g), (d), (d'), (e), (f) and the peers; returns the engine children's reports."""
    reports: dict[str, dict] = {}
    sqlite_runs = [(SQLITE_E2E, "sqlite", "builtin"), (SQLITE_PROC, "sqlite_procedure", "procedure")]
    for step, key, transform in sqlite_runs[: 2 if procedure else 1]:
        url = f"sqlite:///{work / f'engine{number}_{transform}.db'}"
        engine = run_child("engine", url, str(csv_path), str(work), "import", transform)
        assert engine["rows"] == rows, engine
        note = f"peak RSS {engine['peak_rss_mb']:.0f} MB (loader child {engine['loader_rss_mb']:.0f} MB)"
        add_engine_report(timings, step, "SQLite" if transform == "builtin" else "SQLite proc", engine, note)
        reports[key] = engine
    timings.add(DOT_IMPORT, sqlite_import(work / f"cli{number}.db", csv_path))
    timings.add(SQLITE_FLOOR, sqlite_floor(work / f"floor{number}.db", lineage_csv))
    pg_runs = [(PG_E2E, "postgresql", "builtin"), (PG_PROC, "postgresql_procedure", "procedure")]
    for step, key, transform in pg_runs[: 2 if procedure else 1]:
        pg = postgres_urls() if shutil.which("psql") else None
        if pg is None:
            break
        url, schema = pg
        try:
            pg_engine = run_child("engine", url, str(csv_path), str(work), "import", transform)
        finally:
            drop_schema(schema)
        assert pg_engine["rows"] == rows, pg_engine
        reports[key] = pg_engine
        label = "PG" if transform == "builtin" else "PG proc"
        add_engine_report(timings, step, label, pg_engine, f"peak RSS {pg_engine['peak_rss_mb']:.0f} MB")
    pg = postgres_urls() if reports.get("postgresql") else None
    if pg:
        url, schema = pg
        schemas = [schema]
        try:
            for step, how in ((PG_GROUP, "group"), (PG_DAGSTER, "dagster")):
                report = run_child("engine", *other_schema(schemas), str(csv_path), str(work), how)
                assert report["rows"] == rows and report["staged"] == 0, report
                timings.add(
                    step, report["total"], f"staging {report['load']:.2f} s, transform {report['transform']:.2f} s"
                )
            timings.add(PG_COPY, psql_copy(url, schema, csv_path))
            timings.add(PG_FLOOR, psql_floor(url, schema, lineage_csv))
            dlt = dlt_load(url, schema, csv_path, work)
            if dlt is not None:
                timings.add(PG_DLT, dlt[0], f"peak RSS {dlt[1]:.0f} MB")
            timings.add(PG_SLING, sling_load(url, schema, csv_path))
        finally:
            for name in schemas:
                drop_schema(name)
    for database in work.glob("*.db*"):
        database.unlink()
    return reports


def other_schema(schemas: list[str]) -> tuple[str]:
    """A fresh PostgreSQL schema for one more engine run (its tables and ledger of its own)."""
    url, schema = postgres_urls() or (None, None)
    assert url, "PostgreSQL stopped answering during the benchmark"
    schemas.append(schema)
    return (url,)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="Interleaved rounds; ratios use medians.")
    parser.add_argument("--no-pandas", action="store_true", help="Skip the (slow) pandas peer.")
    parser.add_argument("--no-procedure", action="store_true", help="Skip the procedure-transform runs (a'), (d').")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "engine":
            print(json.dumps(engine_child(rest[0], Path(rest[1]), Path(rest[2]), *rest[3:])))
        else:
            print(json.dumps(pandas_child(Path(rest[0]), Path(rest[1]))))
        return

    work = Path(tempfile.mkdtemp(prefix="elt_bench_"))
    try:
        csv_path = work / "inbox" / "orders.csv"
        csv_path.parent.mkdir()
        started = time.perf_counter()
        generate_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"{args.rows:,} rows x {len(COLUMNS)} columns, {size_mb:.0f} MB (generated in {took:.1f} s)")
        lineage_csv = work / "orders_with_lineage.csv"
        write_lineage_csv(csv_path, lineage_csv)

        timings = Timings()
        peak = 0.0
        peaks: dict[str, float] = {}
        for number in range(args.repeat):
            reports = run_round(work, csv_path, lineage_csv, args.rows, number, timings, not args.no_procedure)
            peak = max([peak, *(report["peak_rss_mb"] for report in reports.values())])
            for key, report in reports.items():
                peaks[key] = max(peaks.get(key, 0.0), report["peak_rss_mb"], report.get("loader_rss_mb", 0.0))
            print(f"round {number + 1}/{args.repeat} done", flush=True)
        if not args.no_pandas:
            pandas = run_child("pandas", str(work / "pandas.db"), str(csv_path))
            timings.add("(c) pandas read_csv + to_sql", pandas["total"], f"peak RSS {pandas['peak_rss_mb']:.0f} MB")

        print()
        print(timings.table())
        print()
        median = timings.median
        lines = [
            ratio_line(label, median(numerator), median(denominator), note)
            for label, numerator, denominator, note in RATIOS
        ]
        print("\n".join(line for line in lines if line))
        print()
        print(summary_table(timings, peaks))
        load, dot_import = median(SQLITE_LOAD), median(DOT_IMPORT)
        ratio = load / dot_import if load and dot_import else float("nan")
        print(f"ingest_ratio_vs_sqlite_import={ratio:.2f} peak_rss_mb={peak:.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
