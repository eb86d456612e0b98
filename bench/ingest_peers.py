"""The peers of ``bench/ingest.py`` and the file they all read.

The generated CSV, the staging and destination shapes the engine is given, the bare
loads (``sqlite3 .import``, ``psql \\copy``) and the staged flow typed by hand into
each database's own client — (b), (e), (f) and (g) in ``ingest.py``'s docstring.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import time
import uuid
from pathlib import Path

COLUMNS = ["id", "customer", "city", "amount", "qty", "status", "order_date", "code", "email", "note", "score", "flag"]
DEFAULT_PG_URL = "postgresql+psycopg://elt:elt@127.0.0.1:5432/elt_test"
STAGING_COLUMNS = (
    ", ".join(f"{c} VARCHAR(255)" for c in COLUMNS)
    + ", dagster_run_id VARCHAR(255), source_file_hash VARCHAR(64), source_row_number BIGINT"
)
DESTINATION_COLUMNS = (
    "id BIGINT, customer VARCHAR(50), city VARCHAR(50), amount NUMERIC(12,2), qty INTEGER, status VARCHAR(5), "
    "order_date DATE, code VARCHAR(10), email VARCHAR(100), note VARCHAR(100), score FLOAT, flag VARCHAR(5)"
)
#: The staging → destination casts of the flow by hand, and of the procedure transform the engine is timed with.
SQLITE_CASTS = (
    "CAST(id AS BIGINT), customer, city, CAST(amount AS NUMERIC(12,2)), CAST(qty AS INTEGER), status, "
    "order_date, code, email, note, CAST(score AS FLOAT), flag"
)
PG_CASTS = (
    "id::bigint, customer, city, amount::numeric(12,2), qty::integer, status, order_date::date, code, email, "
    "note, score::float, flag"
)
PROCEDURE = "sp_transform_bench"


def procedure_sql(dialect: str, destination: str, staging: str) -> str:
    """A transform procedure as the product documents them: it reads this run's staged rows and casts them.

    PostgreSQL: a procedure called ``CALL sp_transform_bench(run_id, tables_to_truncate)``
    that truncates what it is given, then one INSERT…SELECT. SQLite: the script's text
    (the engine truncates the destination itself before running it).
    """
    if dialect == "sqlite":
        return f"INSERT INTO {destination} SELECT {SQLITE_CASTS} FROM {staging} WHERE dagster_run_id = :run_id;\n"
    return (
        f"CREATE PROCEDURE {PROCEDURE}(p_run_id text, p_tables text) LANGUAGE plpgsql AS $$ BEGIN "
        "IF p_tables IS NOT NULL THEN EXECUTE format('TRUNCATE TABLE %I', p_tables); END IF; "
        f"INSERT INTO {destination} SELECT {PG_CASTS} FROM {staging} WHERE dagster_run_id = p_run_id; END $$"
    )


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


# ---- peers ---------------------------------------------------------------------------------------


def sqlite_import(database_path: Path, csv_path: Path) -> float | None:
    if shutil.which("sqlite3") is None:
        return None
    os.sync()
    started = time.perf_counter()
    subprocess.run(["sqlite3", str(database_path), "-cmd", ".mode csv", f".import {csv_path} orders"], check=True)
    return time.perf_counter() - started


def postgres_urls() -> tuple[str, str] | None:
    """(SQLAlchemy URL with a fresh schema, schema) or None when PostgreSQL does not answer."""
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


def drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(os.environ.get("ELT_BENCH_POSTGRES_URL", DEFAULT_PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def psql(sqlalchemy_url: str, schema: str, *commands: str) -> float:
    """Run ``commands`` in one psql session; returns its wall time."""
    import sqlalchemy as sa

    url = sa.make_url(sqlalchemy_url)
    env = dict(os.environ, PGPASSWORD=url.password or "", PGOPTIONS=f"-csearch_path={schema}")
    argv = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    argv += ["-U", url.username or "", url.database or ""]
    for command in commands:
        argv += ["-c", command]
    started = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def psql_copy(sqlalchemy_url: str, schema: str, csv_path: Path) -> float:
    columns = ", ".join(f"{c} TEXT" for c in COLUMNS)
    psql(sqlalchemy_url, schema, f"CREATE TABLE orders_copy ({columns})")
    os.sync()
    return psql(sqlalchemy_url, schema, f"\\copy orders_copy FROM '{csv_path}' (FORMAT csv, HEADER true)")


FLOOR_RUN_ID = "manual-00000000-0000-4000-8000-000000000000"


def write_lineage_csv(csv_path: Path, target: Path) -> None:
    """The file as the engine stages it: each row plus run id, content hash and row number."""
    digest = hashlib.sha256()
    with csv_path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    content_hash = digest.hexdigest()
    with csv_path.open(encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
        next(source)
        for number, line in enumerate(source, start=1):
            out.write(f"{line.rstrip(chr(10))},{FLOOR_RUN_ID},{content_hash},{number}\n")


def sqlite_floor(database_path: Path, lineage_csv: Path) -> float | None:
    """(g): the staged flow by hand in the ``sqlite3`` CLI, on a WAL database like the warehouse."""
    if shutil.which("sqlite3") is None:
        return None
    setup = f"PRAGMA journal_mode=WAL; CREATE TABLE stg ({STAGING_COLUMNS}); CREATE TABLE dest ({DESTINATION_COLUMNS});"
    subprocess.run(["sqlite3", str(database_path), setup], check=True, stdout=subprocess.DEVNULL)
    casts = SQLITE_CASTS
    commands = [
        "PRAGMA synchronous=NORMAL",
        f".import --csv {lineage_csv} stg",
        "SELECT sum(CASE WHEN id IS NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status NOT IN ('A', 'I') THEN 1 ELSE 0 END), "
        "sum(CASE WHEN CAST(amount AS REAL) NOT BETWEEN 0 AND 1000 THEN 1 ELSE 0 END) "
        f"FROM stg WHERE dagster_run_id = '{FLOOR_RUN_ID}'",
        f"BEGIN; DELETE FROM dest; INSERT INTO dest SELECT {casts} FROM stg WHERE dagster_run_id = '{FLOOR_RUN_ID}'; "
        "COMMIT;",
        "DELETE FROM stg",
    ]
    argv = ["sqlite3", str(database_path)]
    for command in commands:
        argv += ["-cmd", command]
    os.sync()
    started = time.perf_counter()
    subprocess.run([*argv, ".exit"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def psql_floor(sqlalchemy_url: str, schema: str, lineage_csv: Path) -> float:
    """(f): the staged flow by hand — COPY to staging, checks in one scan, one-transaction transform."""
    psql(
        sqlalchemy_url,
        schema,
        f"CREATE TABLE stg_floor ({STAGING_COLUMNS})",
        f"CREATE TABLE dest_floor ({DESTINATION_COLUMNS})",
    )
    casts = PG_CASTS
    os.sync()
    return psql(
        sqlalchemy_url,
        schema,
        f"\\copy stg_floor FROM '{lineage_csv}' (FORMAT csv)",
        "SELECT sum(CASE WHEN id IS NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status NOT IN ('A', 'I') THEN 1 ELSE 0 END), "
        "sum(CASE WHEN amount::numeric NOT BETWEEN 0 AND 1000 THEN 1 ELSE 0 END) "
        f"FROM stg_floor WHERE dagster_run_id = '{FLOOR_RUN_ID}'",
        f"BEGIN; TRUNCATE dest_floor; INSERT INTO dest_floor SELECT {casts} FROM stg_floor "
        f"WHERE dagster_run_id = '{FLOOR_RUN_ID}'; COMMIT;",
        "TRUNCATE stg_floor",
    )


# ---- dlt and Sling, each in a child process of its own ---------------------------------------------

DLT_CHILD = """
import sys, time
from pathlib import Path
import dlt, pyarrow.csv as pa_csv
url, schema, csv_path = sys.argv[1:4]
def rows():
    # Every column as text, as the engine's staging receives it; dlt's parquet files then go through ADBC.
    names = Path(csv_path).open().readline().strip().split(",")
    options = pa_csv.ConvertOptions(column_types={name: "string" for name in names})
    reader = pa_csv.open_csv(csv_path, convert_options=options, read_options=pa_csv.ReadOptions(block_size=8 << 20))
    for batch in reader:
        yield batch
started = time.perf_counter()
pipeline = dlt.pipeline(pipeline_name="bench_dlt", destination=dlt.destinations.postgres(url), dataset_name=schema,
                        pipelines_dir=sys.argv[4])
pipeline.run(dlt.resource(rows(), name="orders", write_disposition="replace"), loader_file_format="parquet")
elapsed = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(f"{elapsed} {peak}")
"""


def dlt_available() -> bool:
    try:
        import dlt  # noqa: F401
    except ImportError:
        return False
    return True


def dlt_load(sqlalchemy_url: str, schema: str, csv_path: Path, workdir: Path) -> tuple[float, float] | None:
    """dlt's fastest path to PostgreSQL (Arrow batches → parquet → ADBC); (seconds, peak RSS MB) or None."""
    import sys

    import sqlalchemy as sa

    if not dlt_available():
        return None
    url = sa.make_url(sqlalchemy_url).set(drivername="postgresql", query={})
    env = dict(os.environ, RUNTIME__LOG_LEVEL="WARNING", DLT_DATA_DIR=str(workdir / "dlt_data"))
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.sync()
    dataset = f"{schema}_dlt"
    argv = [sys.executable, "-c", DLT_CHILD, url.render_as_string(hide_password=False), dataset, str(csv_path)]
    done = subprocess.run([*argv, str(workdir / "dlt_pipelines")], check=True, env=env, capture_output=True, text=True)
    seconds, peak = done.stdout.strip().splitlines()[-1].split()
    drop_schema(dataset)
    drop_schema(f"{dataset}_staging")
    return float(seconds), float(peak)


def sling_binary() -> str | None:
    """The Sling binary shipped in the ``sling-linux-amd64`` wheel (the ``sling`` package downloads it otherwise)."""
    if os.environ.get("SLING_BINARY"):
        return os.environ["SLING_BINARY"]
    try:
        import sling_linux_amd64
    except ImportError:
        return shutil.which("sling")
    return str(Path(sling_linux_amd64.__file__).parent / "bin" / "sling-linux-amd64")


def sling_load(sqlalchemy_url: str, schema: str, csv_path: Path) -> float | None:
    """``sling run`` of the file into a PostgreSQL table (full refresh); its wall time or None."""
    import sqlalchemy as sa

    binary = sling_binary()
    if binary is None:
        return None
    url = sa.make_url(sqlalchemy_url).set(drivername="postgresql", query={"sslmode": "disable"})
    env = dict(os.environ, BENCH_PG=url.render_as_string(hide_password=False), SLING_DISABLE_TELEMETRY="true")
    argv = [binary, "run", "--src-stream", f"file://{csv_path}", "--tgt-conn", "BENCH_PG"]
    argv += ["--tgt-object", f"{schema}.orders_sling", "--mode", "full-refresh"]
    os.sync()
    started = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started
