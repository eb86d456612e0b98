"""Ingest benchmark: this engine against the tools people would otherwise use.

Run on demand (not a test)::

    .venv/bin/python bench/ingest.py              # 1,000,000 rows x 12 columns
    .venv/bin/python bench/ingest.py --rows 5000000

One CSV is generated, then timed, each in a fresh database:

(a) this engine on SQLite, end to end: parse → stage → 3 quality rules → built-in
    transform into a typed destination (in a child process, whose peak RSS is read
    with ``resource.getrusage``);
(b) the ``sqlite3`` CLI's ``.import`` of the same file;
(c) ``pandas.read_csv`` + ``DataFrame.to_sql`` into SQLite;
(d) this engine on PostgreSQL and (e) ``psql \\copy`` — when PostgreSQL answers at
    ``ELT_BENCH_POSTGRES_URL`` (default the loopback test server).

The last line is machine-readable:
``ingest_ratio_vs_sqlite_import=X.XX peak_rss_mb=N`` where the ratio is the engine's
staging load (parse → stage) over ``.import``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

COLUMNS = ["id", "customer", "city", "amount", "qty", "status", "order_date", "code", "email", "note", "score", "flag"]
DEFAULT_PG_URL = "postgresql+psycopg://elt:elt@127.0.0.1:5432/elt_test"


def generate_csv(path: Path, rows: int) -> None:
    """Deterministic rows, about 85 bytes each."""
    rnd = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        chunk = []
        for i in range(rows):
            chunk.append(
                f"{i},cust_{rnd.randint(1, 99999)},city_{rnd.randint(1, 500)},{rnd.random() * 1000:.2f},"
                f"{rnd.randint(0, 100)},{'AI'[i % 2]},2024-{1 + i % 12:02d}-{1 + i % 28:02d},"
                f"C{rnd.randint(1000, 9999)},"
                f"u{i}@ex.com,note {i % 97},{rnd.random():.4f},{i % 3 == 0}\n"
            )
            if len(chunk) == 10_000:
                out.writelines(chunk)
                chunk.clear()
        out.writelines(chunk)


# ---- the engine, in a child process ----------------------------------------------------------


def engine_child(database_url: str, csv_path: Path, workdir: Path) -> dict:
    """Set up a warehouse, run the import end to end, report timings and peak RSS."""
    import sqlalchemy as sa

    from elt_project.config.repository import get_pipeline_config
    from elt_project.db.engine import create_warehouse_engine
    from elt_project.db.migrate import upgrade
    from elt_project.pipeline.api import run_import
    from elt_project.settings import load_settings

    engine = create_warehouse_engine(database_url)
    upgrade(engine)
    text_columns = ", ".join(f"{c} VARCHAR(255)" for c in COLUMNS)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE stg_bench ({text_columns}, dagster_run_id VARCHAR(255), "
                "source_file_hash VARCHAR(64), source_row_number BIGINT)"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TABLE dest_bench (id BIGINT, customer VARCHAR(50), city VARCHAR(50), amount NUMERIC(12,2), "
                "qty INTEGER, status VARCHAR(5), order_date DATE, code VARCHAR(10), email VARCHAR(100), "
                "note VARCHAR(100), score FLOAT, flag VARCHAR(5))"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO elt_pipeline_configs (pipeline_name, import_name, file_pattern, monitored_directory, "
                "file_type, staging_table, destination_table, load_method, is_active) VALUES "
                "('bench', 'bench_orders', 'orders*.csv', :folder, 'csv', 'stg_bench', 'dest_bench', 'replace', 1)"
            ),
            {"folder": str(csv_path.parent)},
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
        env={},
        env_file=workdir / "none.env",
        database_url=database_url,
        data_dir=str(workdir / "data"),
        transforms_dir=str(workdir / "transforms"),
    )
    config = get_pipeline_config(engine, "bench_orders")
    started = time.perf_counter()
    summary = run_import(engine, settings, config, [csv_path])
    total = time.perf_counter() - started
    stage = summary.stages[0]
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT COUNT(*) FROM dest_bench")).scalar()
    engine.dispose()
    return {
        "total": total,
        "load": stage.timings.get("load", 0.0),
        "quality": stage.timings.get("quality", 0.0),
        "transform": summary.transform.duration_s if summary.transform else 0.0,
        "rows": loaded,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # SQLite loads through a child process (elt_project.db.bulk_load): its peak, separately.
        "loader_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def pandas_child(database_path: Path, csv_path: Path) -> dict:
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{database_path}")
    started = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""])
    frame.to_sql("orders", engine, if_exists="replace", index=False, chunksize=50_000)
    return {
        "total": time.perf_counter() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(kind: str, *args: str) -> dict:
    """Run ``kind`` in a fresh interpreter so its peak RSS is its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- peers ---------------------------------------------------------------------------------------


def sqlite_import(database_path: Path, csv_path: Path) -> float | None:
    if shutil.which("sqlite3") is None:
        return None
    started = time.perf_counter()
    subprocess.run(["sqlite3", str(database_path), "-cmd", ".mode csv", f".import {csv_path} orders"], check=True)
    return time.perf_counter() - started


def postgres_urls() -> tuple[str, str] | None:
    """(SQLAlchemy URL with a fresh schema, libpq URL) or None when PostgreSQL does not answer."""
    import sqlalchemy as sa

    url = os.environ.get("ELT_BENCH_POSTGRES_URL", DEFAULT_PG_URL)
    try:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL to compare with"
        return None
    with_schema = sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return with_schema.render_as_string(hide_password=False), schema


def drop_schema(url: str, schema: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(os.environ.get("ELT_BENCH_POSTGRES_URL", DEFAULT_PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def psql_copy(sqlalchemy_url: str, schema: str, csv_path: Path) -> float | None:
    import sqlalchemy as sa

    if shutil.which("psql") is None:
        return None
    url = sa.make_url(sqlalchemy_url)
    env = dict(os.environ, PGPASSWORD=url.password or "", PGOPTIONS=f"-csearch_path={schema}")
    base = [
        "psql",
        "-q",
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "",
        url.database or "",
    ]
    columns = ", ".join(f"{c} TEXT" for c in COLUMNS)
    subprocess.run([*base, "-c", f"CREATE TABLE orders_copy ({columns})"], check=True, env=env)
    started = time.perf_counter()
    subprocess.run(
        [*base, "-c", f"\\copy orders_copy FROM '{csv_path}' (FORMAT csv, HEADER true)"], check=True, env=env
    )
    return time.perf_counter() - started


# ---- report --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-pandas", action="store_true", help="Skip the (slow) pandas peer.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "engine":
            print(json.dumps(engine_child(rest[0], Path(rest[1]), Path(rest[2]))))
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

        results: list[tuple[str, float | None, str]] = []
        engine = run_child("engine", f"sqlite:///{work / 'engine.db'}", str(csv_path), str(work))
        assert engine["rows"] == args.rows, engine
        dot_import = sqlite_import(work / "cli.db", csv_path)
        results.append(
            (
                "(a) engine SQLite end to end",
                engine["total"],
                f"peak RSS {engine['peak_rss_mb']:.0f} MB (loader child {engine['loader_rss_mb']:.0f} MB)",
            )
        )
        results.append(("    staging load (parse+stage)", engine["load"], ""))
        results.append(("    3 quality rules", engine["quality"], ""))
        results.append(("    built-in transform", engine["transform"], ""))
        results.append(("(b) sqlite3 .import", dot_import, ""))
        pandas_time = None
        if not args.no_pandas:
            pandas = run_child("pandas", str(work / "pandas.db"), str(csv_path))
            pandas_time = pandas["total"]
            results.append(("(c) pandas read_csv + to_sql", pandas_time, f"peak RSS {pandas['peak_rss_mb']:.0f} MB"))
        pg = postgres_urls()
        pg_engine = pg_copy = None
        if pg:
            url, schema = pg
            try:
                pg_engine = run_child("engine", url, str(csv_path), str(work))
                results.append(
                    (
                        "(d) engine PostgreSQL end to end",
                        pg_engine["total"],
                        f"peak RSS {pg_engine['peak_rss_mb']:.0f} MB",
                    )
                )
                results.append(("    staging load (parse+COPY)", pg_engine["load"], ""))
                pg_copy = psql_copy(url, schema, csv_path)
                results.append(("(e) psql \\copy", pg_copy, ""))
            finally:
                drop_schema(url, schema)

        print(f"\n{'step':36} {'seconds':>9}  note")
        for name, seconds, note in results:
            shown = f"{seconds:9.2f}" if seconds is not None else "      n/a"
            print(f"{name:36} {shown}  {note}")
        print()
        ratio = None
        if dot_import:
            ratio = engine["load"] / dot_import
            print(f"staging load / .import        = {ratio:.2f}  (target <= 1.3)")
            print(f"engine end to end / .import   = {engine['total'] / dot_import:.2f}  (target <= 2)")
        if pandas_time:
            print(f"pandas to_sql / engine        = {pandas_time / engine['total']:.2f}  (target >= 2)")
        if pg_engine and pg_copy:
            print(f"PG engine end to end / \\copy  = {pg_engine['total'] / pg_copy:.2f}  (target <= 2)")
        peak = max(engine["peak_rss_mb"], pg_engine["peak_rss_mb"] if pg_engine else 0)
        print(
            f"ingest_ratio_vs_sqlite_import={ratio if ratio is not None else float('nan'):.2f} peak_rss_mb={peak:.0f}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
