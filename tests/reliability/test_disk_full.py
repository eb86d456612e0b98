"""A full disk mid-load: one sentence saying so, the source file untouched, and a load once space frees.

A small tmpfs is mounted under the test's data folder (the tests run as root, here and
in CI; without the right to mount they skip and say why). A filler file takes most of
it, so a load that needs more than is left meets ``ENOSPC``/``SQLITE_FULL`` for real:

- the SQLite warehouse file lives on the tmpfs: staging the file fails with the
  "disk full" sentence, nothing is committed, and after the filler is deleted
  ``elt retry`` loads the file once; ``PRAGMA integrity_check`` says ok;
- the archive folder (``processed/``) lives on the tmpfs, with either warehouse: the
  load stands (loaded once), the archive step reports the full disk in one sentence,
  the file stays in the monitored folder, and a later load does not take it twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.config.repository import get_pipeline_config
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.errors import DiskFull
from elt_project.pipeline.api import run_import
from elt_project.pipeline.retry import retry_failed
from tests.orchestration.conftest import add_config
from tests.reliability.faults import (
    DEST_DDL,
    STAGING_DDL,
    destination,
    expected,
    ledger_and_logs,
    staged_rows,
    write_orders,
)

ROWS = 60_000


@contextlib.contextmanager
def small_disk(where: Path, size: str = "4m"):
    """A tmpfs of ``size`` mounted at ``where``, unmounted afterwards (lazily, if something still holds it)."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.decode().strip()}); the test needs root")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path, leave_bytes: int) -> Path:
    """A filler file taking all but ``leave_bytes`` of the disk under ``folder``."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / "filler.bin"
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(free - leave_bytes, 0))
    return filler


def fingerprint(path: Path) -> tuple[str, int, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size, path.stat().st_mtime


def test_sqlite_warehouse_on_a_full_disk_says_so_and_loads_once_space_frees(settings, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the warehouse file on a small disk is SQLite's; PostgreSQL's disk is the server's own")
    disk = tmp_path / "data" / "small"
    with small_disk(disk, "16m"):
        url = f"sqlite:///{disk / 'warehouse.db'}"
        engine = create_warehouse_engine(url)
        try:
            upgrade(engine)
            folder = tmp_path / "incoming"
            source = write_orders(folder / "sales_1.csv", ROWS)
            before = fingerprint(source)
            with engine.begin() as conn:
                conn.execute(sa.text(STAGING_DDL))
                conn.execute(sa.text(DEST_DDL))
            add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
            config = get_pipeline_config(engine, "daily_sales")
            run_settings = settings.model_copy(update={"database_url": sa.make_url(url)})
            filler = fill(disk, leave_bytes=256 * 1024)
            free_kb = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize // 1024

            with pytest.raises(DiskFull) as raised:
                run_import(engine, run_settings, config, [str(source)])
            message = str(raised.value)
            ledger, logs = ledger_and_logs(engine)
            print(
                f"\n[disk full] sqlite warehouse on a 16 MB tmpfs with {free_kb} KB free, file "
                f"{source.stat().st_size:,} bytes ({ROWS:,} rows): failed with\n  {message}\n  ledger {ledger}, "
                f"destination {destination(engine)[0]} rows, source unchanged {fingerprint(source) == before}"
            )
            assert message.startswith("The disk is full: no space was left while ")
            assert message.count(". ") == 0 and "Traceback" not in message
            assert fingerprint(source) == before
            assert destination(engine) == (0, 0, 0)
            assert ledger == [("FAILED",)]
            assert [status for status, _ in logs] == ["FAILED"]
            assert logs[0][1] == message

            filler.unlink()
            outcome = retry_failed(engine, run_settings, config)
            with engine.connect() as conn:
                integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar_one()
            ledger, _ = ledger_and_logs(engine)
            print(
                f"  after freeing space: retry loaded {destination(engine)[0]:,} rows, ledger {ledger}, "
                f"integrity_check {integrity}"
            )
            assert not outcome.summary.failed
            assert destination(engine) == expected(ROWS)
            assert ledger == [("LOADED",)]
            assert staged_rows(engine) == 0
            assert integrity == "ok"
            assert fingerprint(source) == before
        finally:
            engine.dispose()


def test_archive_folder_on_a_full_disk_keeps_the_load_and_the_file(engine, settings, tmp_path):
    """``processed/`` on a full tmpfs: the rows are committed once, the file stays where it was, one sentence."""
    folder = tmp_path / "incoming"
    source = write_orders(folder / "sales_1.csv", ROWS)
    before = fingerprint(source)
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
    add_config(
        engine,
        monitored_directory=str(folder),
        destination_table="sales",
        load_method="append",
        archive_processed_files=1,
    )
    config = get_pipeline_config(engine, "daily_sales")
    with small_disk(tmp_path / "processed", "1m") as disk:
        filler = fill(disk, leave_bytes=64 * 1024)
        raised = None
        try:
            run_import(engine, settings, config, [str(source)])
        except DiskFull as exc:
            raised = exc
        ledger, logs = ledger_and_logs(engine)
        left = sorted(p.name for p in disk.iterdir())
        print(
            f"\n[disk full] {engine.dialect.name}: archive folder on a 1 MB tmpfs with 64 KB free, file "
            f"{source.stat().st_size:,} bytes: said {raised}\n  ledger {ledger}, destination "
            f"{destination(engine)[0]:,} rows, file still in the monitored folder {source.exists()}, "
            f"archive folder holds {left}"
        )
        assert raised is not None
        assert str(raised).startswith("The disk is full: no space was left while ")
        assert destination(engine) == expected(ROWS)
        assert ledger == [("LOADED",)]
        assert fingerprint(source) == before
        assert left == ["filler.bin"], "a partial copy was left in the archive folder"

        filler.unlink()
        again = run_import(engine, settings, config)
        ledger, _ = ledger_and_logs(engine)
        print(
            f"  after freeing space: next run {[(f.path.name, f.status) for s in again.stages for f in s.files]}, "
            f"destination {destination(engine)[0]:,} rows, archived {sorted(p.name for p in disk.iterdir())}"
        )
        assert destination(engine) == expected(ROWS)
        assert ledger == [("LOADED",)]
