"""Self-healing after crashes: files dropped while Dagster's processes are SIGKILLed at random.

The real product (``python3 launch.py --no-browser``) runs on the test warehouse with
three monitored folders: an ``append`` import with a deduplication key, one without,
and a ``replace`` import. Four writer processes drop files (temp name, then rename, as
docs/engine.md asks of suppliers) while the test SIGKILLs, at seeded random moments,
the Dagster daemon, the webserver, the code servers and run workers. Then nobody
touches anything: after one bounded settle period every file must be loaded exactly
once, nothing left staged or open, and every service killed restarted by the
supervisor. The figures are printed (-s), with the seed; ``ELT_STORM_SEED=N`` replays
the same drop order and kill plan (the moments still depend on the machine).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import psutil
import pytest
import yaml

from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.launcher.services import DAGSTER, DAGSTER_DAEMON
from tests.orchestration.conftest import add_config
from tests.pipeline.conftest import HEADER, execute, query, write_csv
from tests.reliability.product import Product
from tests.reliability.test_run_recovery import POLL_INTERVAL_S, dagster_home

#: (import, load method, deduplication key); each import its own pipeline, folder and tables.
IMPORTS = (("orders", "append", "order_id"), ("events", "append", None), ("stock", "replace", None))
#: Which import file n goes to: half to the replace import, whose batches load many files per run;
#: an append import loads one file per run, one run at a time, so its quarter sets the pace.
SHARES = ("orders", "stock", "events", "stock")
WRITERS = 4
ROWS_PER_FILE = 3
WEBSERVER, DAEMON, CODE_SERVER, RUN_WORKER = "webserver", "daemon", "code server", "run worker"
KINDS = (DAEMON, WEBSERVER, CODE_SERVER, RUN_WORKER)
#: Product settings of this test only: short sensor, stability, batch and recovery bounds.
FAST = {
    "SENSOR_INTERVAL_SECONDS": "1",
    "FILE_MIN_AGE_SECONDS": "1",
    "BATCH_WINDOW_SECONDS": "2",
    "RECOVERY_AFTER_SECONDS": "3",
}
#: A run left STARTING by a daemon killed while it launched the run never gets a worker; run
#: monitoring fails it after start_timeout_seconds (product: 180 s). Shortened here like the poll interval.
START_TIMEOUT_S = 45


def _tables(engine, name: str) -> None:
    execute(
        engine,
        f"CREATE TABLE stg_{name} (order_id VARCHAR(50), customer VARCHAR(100), amount VARCHAR(50), "
        "status VARCHAR(10), dagster_run_id VARCHAR(255), source_file_hash VARCHAR(64), source_row_number BIGINT)",
        f"CREATE TABLE dest_{name} (order_id INTEGER, customer VARCHAR(100), amount NUMERIC(12,2), status VARCHAR(10))",
    )


def _rows(n: int) -> list[list]:
    return [[n * 100 + i, f"c{n}", str(i + 1), "A"] for i in range(ROWS_PER_FILE)]


def _writer(drops: list[tuple[str, str, int]], seed: int, spread_s: float) -> None:
    """One supplier: writes each file under a temp name, then renames it into its monitored folder."""
    rng = random.Random(seed)
    for folder, name, n in drops:
        time.sleep(rng.uniform(0, spread_s))
        temp = write_csv(Path(folder) / f"{name}_{n}.csv.tmp", _rows(n))
        os.replace(temp, temp.with_suffix(""))


@dataclass
class Storm:
    """What the test did and saw: files written (hash -> keys) per import, kills per kind."""

    imports: tuple[tuple[str, str, str | None], ...] = IMPORTS
    files: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    kills: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((DAEMON, WEBSERVER, CODE_SERVER, RUN_WORKER), 0)
    )


def _cmdline(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return ""


def _kind(process: psutil.Process) -> str | None:
    """CODE_SERVER for a ``dagster api grpc`` server, RUN_WORKER for the (spawned) child of one that runs a run."""
    line = _cmdline(process)
    if "dagster api grpc" in line:
        return CODE_SERVER
    parent = process.parent()
    if "spawn_main" in line and parent is not None and "dagster api grpc" in _cmdline(parent):
        return RUN_WORKER
    return None


def victims(product: Product, kind: str) -> list[int]:
    """Pids of the product's processes of ``kind`` right now."""
    if kind in (DAEMON, WEBSERVER):
        return [product.pid(DAEMON_SERVICE[kind])]
    found = []
    for pid in product.pids_left():
        try:
            if _kind(psutil.Process(pid)) == kind:
                found.append(pid)
        except psutil.NoSuchProcess:
            continue
    return found


DAEMON_SERVICE = {DAEMON: DAGSTER_DAEMON, WEBSERVER: DAGSTER}


def drop_files_under_kills(
    product: Product,
    folders: dict[str, Path],
    files: int,
    kills: int,
    seed: int,
    drop_s: float,
    imports: tuple = IMPORTS,
    shares: tuple[str, ...] = SHARES,
) -> Storm:
    """Four writers drop ``files`` over the imports' folders in about ``drop_s`` while ``kills`` SIGKILLs land."""
    rng = random.Random(seed)
    storm = Storm(imports=imports)
    spread_s = 2 * drop_s * WRITERS / files  # each writer's pauses add up to about drop_s
    ctx = multiprocessing.get_context("fork")
    storm.files = {name: {} for name, _method, _key in imports}
    drops = []
    for n in range(files):
        name = shares[n % len(shares)]
        body = ",".join(HEADER) + "\r\n" + "".join(",".join(map(str, r)) + "\r\n" for r in _rows(n))
        storm.files[name][hashlib.sha256(body.encode()).hexdigest()] = {r[0] for r in _rows(n)}
        drops.append((str(folders[name]), name, n))
    rng.shuffle(drops)
    writers = [ctx.Process(target=_writer, args=(drops[w::WRITERS], seed + w, spread_s)) for w in range(WRITERS)]
    for writer in writers:
        writer.start()
    plan = [KINDS[i % len(KINDS)] for i in range(kills)]
    rng.shuffle(plan)
    for kind in plan:
        time.sleep(rng.uniform(0.5, 1.5) * drop_s / kills)
        if kind in (DAEMON, WEBSERVER):  # killed again only once it is back
            _wait_restarted(product, kind, storm.kills[kind])
        pid = _kill_one(product, kind, rng)
        if pid is not None:
            storm.kills[kind] += 1
            print(f"[storm] SIGKILL {kind} pid {pid}")
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    return storm


def _kill_one(product: Product, kind: str, rng: random.Random, timeout_s: float = 60) -> int | None:
    """SIGKILL one process of ``kind``, waiting for one to exist (a run worker may be starting); its pid."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pids = victims(product, kind)
        if pids:
            pid = rng.choice(pids)
            try:
                os.kill(pid, signal.SIGKILL)
                return pid
            except ProcessLookupError:  # ended between the listing and the kill: pick again
                pass
        time.sleep(0.2)
    return None


def _wait_restarted(product: Product, kind: str, killed: int, timeout_s: float = 60) -> bool:
    """The service is running again after each of its ``killed`` SIGKILLs."""
    line = f"{DAEMON_SERVICE[kind]}: running again"
    deadline = time.monotonic() + timeout_s
    while product.supervisor_log().count(line) < killed and time.monotonic() < deadline:
        time.sleep(0.2)
    return product.supervisor_log().count(line) >= killed


def unfinished_runs(home: Path) -> int:
    """Dagster runs not finished (queued, starting, started, canceling), read from the instance storage."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return sum(1 for run in instance.get_runs() if not run.is_finished)


def settle(engine, storm: Storm, home: Path, timeout_s: float) -> tuple[float, dict[str, int]]:
    """Seconds until the warehouse and Dagster are at rest with nothing wrong (or ``timeout_s``); the figures."""
    started = time.monotonic()
    while True:
        figures = outcome(engine, storm)
        figures["unfinished Dagster runs"] = unfinished_runs(home)
        if set(figures.values()) == {0} or time.monotonic() - started > timeout_s:
            return time.monotonic() - started, figures
        time.sleep(2)


def outcome(engine, storm: Storm) -> dict[str, int]:
    """Lost and duplicated rows, by key, against the files written; files and runs left stuck."""
    lost = duplicated = 0
    for name, method, _key in storm.imports:
        rows = query(engine, f"SELECT order_id, COUNT(*) FROM dest_{name} GROUP BY order_id")
        expected = set().union(*storm.files[name].values())
        if method == "replace":  # the destination holds the files of the last run that loaded any
            ledger = query(
                engine,
                "SELECT content_hash, run_id FROM elt_file_ledger WHERE import_name = :n AND status = 'LOADED' "
                "ORDER BY updated_at, id",
                n=name,
            )
            last = ledger[-1][1] if ledger else None
            expected = set().union(*(storm.files[name].get(h, set()) for h, run in ledger if run == last))
        lost += len(expected - {r[0] for r in rows})
        duplicated += sum(count - 1 for _, count in rows) + len({r[0] for r in rows} - expected)
    written = {h for files in storm.files.values() for h in files}
    loaded = query(engine, "SELECT content_hash, COUNT(*) FROM elt_file_ledger WHERE status = 'LOADED' GROUP BY 1")
    lost_files = len(written - {h for h, _ in loaded})
    stuck = query(engine, "SELECT COUNT(*) FROM elt_file_ledger WHERE status IN ('STAGED', 'RELOADING', 'LOADING')")
    open_runs = query(
        engine,
        "SELECT COUNT(*) FROM etl_pipeline_run_logs WHERE end_time IS NULL OR status IN "
        "('STARTED', 'STAGED', 'RUNNING')",
    )
    orphans = sum(query(engine, f"SELECT COUNT(*) FROM stg_{name}")[0][0] for name, _m, _k in storm.imports)
    return {
        "lost files": lost_files,
        "lost rows": lost,
        "duplicated rows": duplicated,
        "stuck files": stuck[0][0],
        "open run logs": open_runs[0][0],
        "orphan staging rows": orphans,
    }


def shorten_monitoring(config_file: Path) -> None:
    """The instance config with short run-monitoring bounds (poll, free slots, start timeout): the test waits less."""
    config = yaml.safe_load(config_file.read_text())
    config["run_monitoring"].update(
        poll_interval_seconds=POLL_INTERVAL_S, free_slots_after_run_end_seconds=1, start_timeout_seconds=START_TIMEOUT_S
    )
    config_file.write_text(yaml.safe_dump(config))


def _shorten_template(root: Path) -> None:
    shorten_monitoring(root / "dagster.yaml")


def run_storm(
    database_url: str,
    tmp_path: Path,
    *,
    files: int,
    kills: int,
    seed: int,
    drop_s: float,
    settle_s: float,
    imports: tuple = IMPORTS,
    shares: tuple[str, ...] = SHARES,
    folder_of: dict[str, str] | None = None,
    dagster_storage_url: str | None = None,
) -> dict[str, int]:
    """The storm; ``folder_of`` puts imports in one folder (default one each), ``dagster_storage_url`` is
    the scale-out deployment: the launcher writes the Dagster home with that PostgreSQL storage."""
    print(f"\n[storm] seed {seed}")
    engine = create_warehouse_engine(database_url)
    upgrade(engine)
    folders = {}
    for name, method, key in imports:
        folders[name] = tmp_path / "inbox" / (folder_of or {}).get(name, name)
        folders[name].mkdir(parents=True, exist_ok=True)
        _tables(engine, name)
        add_config(
            engine,
            pipeline_name=name.title(),
            import_name=name,
            file_pattern=f"{name}_*.csv",
            monitored_directory=str(folders[name]),
            staging_table=f"stg_{name}",
            destination_table=f"dest_{name}",
            load_method=method,
            deduplication_key=key,
        )
    if dagster_storage_url is None:  # a Dagster home of the test's own, SQLite storage
        home = dagster_home(tmp_path)
        shorten_monitoring(home / "dagster.yaml")
        env, prepare = {"DAGSTER_HOME": str(home)}, None
    else:  # the launcher's own home (in the copy's data folder), from the copy's template
        home = tmp_path / "app" / "data" / "dagster_home"
        env = {"DAGSTER_STORAGE_URL": dagster_storage_url}
        prepare = _shorten_template
    product = Product(
        tmp_path,
        "--no-demo",
        prepare=prepare,
        DATABASE_URL=database_url,
        ELT_MONITORED_ROOTS=str(tmp_path),
        **env,
        **FAST,
    )
    try:
        product.wait_ready()
        started = time.monotonic()
        storm = drop_files_under_kills(product, folders, files, kills, seed, drop_s, imports, shares)
        dropped_s = time.monotonic() - started
        settle_took, figures = settle(engine, storm, home, settle_s)
        for kind in (DAEMON, WEBSERVER):
            _wait_restarted(product, kind, storm.kills[kind])
        total_s = time.monotonic() - started
        log, console = product.supervisor_log(), product.console
        restarts = {kind: log.count(f"{DAEMON_SERVICE[kind]}: running again") for kind in (DAEMON, WEBSERVER)}
        rows = files * ROWS_PER_FILE
        print(
            f"[storm] {engine.dialect.name}: files {files}, rows {rows}, kills {storm.kills}, "
            f"restarts {restarts}, {', '.join(f'{k} {v}' for k, v in figures.items())}, "
            f"dropped in {dropped_s:.0f} s, settled {settle_took:.0f} s after, "
            f"{files / (total_s / 60):.1f} files per minute"
        )
        assert sum(storm.kills.values()) == kills, storm.kills
        assert set(figures.values()) == {0}, (figures, product.logs_tail())
        for kind in (DAEMON, WEBSERVER):
            service = DAEMON_SERVICE[kind]
            assert restarts[kind] == storm.kills[kind], log
            assert log.count(f"{service} stopped (killed by SIGKILL)") == storm.kills[kind], log
            assert console.count(f"{service} stopped (killed by SIGKILL)") == storm.kills[kind], console
        return figures
    finally:
        product.signal_outer(signal.SIGTERM)
        product.kill_everything()
        engine.dispose()


SEED = int(os.environ.get("ELT_STORM_SEED", "0")) or random.SystemRandom().randrange(1, 10**6)


@pytest.mark.slow
def test_files_dropped_while_dagster_processes_are_killed_all_load_once(database_url, tmp_path):
    run_storm(database_url, tmp_path, files=40, kills=6, seed=SEED, drop_s=20, settle_s=180)


@pytest.mark.slow
@pytest.mark.full
def test_two_hundred_files_under_a_longer_storm_all_load_once(database_url, tmp_path):
    run_storm(database_url, tmp_path, files=200, kills=16, seed=SEED, drop_s=90, settle_s=600)
