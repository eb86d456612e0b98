"""The SQLite fast path: ADBC ingest in a child process fed with an Arrow IPC stream.

Why a child process: ``adbc_driver_sqlite`` inserts Arrow batches about twice as
fast as ``sqlite3.executemany``, but it bundles its own SQLite library, and two
SQLite libraries in one process break each other's POSIX file locks (seen here as
"disk I/O error" on the WAL warehouse). In a process of its own it is just another
SQLite client, with correct locking. The parent keeps parsing and shaping while the
child inserts, so the two cores work in parallel.

Protocol on the child's stdin: one Arrow IPC stream; the last batch is empty and
carries the custom metadata ``elt_end=1``. The child commits only after seeing it,
so a parent that fails (and kills the child) or dies leaves nothing behind. The
child prints the number of rows it inserted on stdout; errors go to stderr.

Run as ``python -m elt_project.db.bulk_load DATABASE_PATH TABLE_NAME [BUSY_TIMEOUT_MS]``; the parent
passes the engine's busy timeout, so a lock is waited out (or not) as by every other connection.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

import pyarrow as pa

_END = {b"elt_end": b"1"}


class LoaderChildError(RuntimeError):
    """The child's one-line error (SQLite's own sentence, e.g. "database is locked").

    ``sqlite_loader`` tells the failure classification (:mod:`elt_project.pipeline.failures`)
    to judge the text as it judges ``sqlite3``'s errors: locked or busy is worth a retry,
    "database or disk is full" is a full disk.
    """

    sqlite_loader = True


def available() -> bool:
    """True when the ADBC SQLite driver is installed (otherwise executemany is used)."""
    try:
        import adbc_driver_sqlite  # noqa: F401
    except ImportError:
        return False
    return True


def load_in_child(database: str, table_name: str, batches: Iterator[pa.RecordBatch]) -> int:
    """Stream ``batches`` to a child that appends them to ``table_name`` in one transaction."""
    first = next(batches, None)
    if first is None:
        return 0
    from elt_project.db import engine  # read at call time: the one busy timeout of the warehouse's connections

    busy_ms = str(engine.SQLITE_BUSY_TIMEOUT_MS)
    child = subprocess.Popen(  # noqa: S603 — argument list of sys.executable and our own module, no shell
        [sys.executable, "-m", "elt_project.db.bulk_load", database, table_name, busy_ms],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        with pa.ipc.new_stream(child.stdin, first.schema) as writer:
            writer.write_batch(first)
            for batch in batches:
                writer.write_batch(batch)
            writer.write_batch(first.slice(0, 0), custom_metadata=_END)
        child.stdin.close()
    except (BrokenPipeError, OSError, pa.ArrowException):
        pass  # the child failed and closed its end; its stderr says why
    except BaseException:
        child.kill()
        child.wait()
        raise
    out = child.stdout.read()
    err = child.stderr.read()
    child.wait()
    if child.returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise LoaderChildError(message[0] if message else f"bulk load child exited with {child.returncode}")
    return int(out.decode().strip() or 0)


def _child(database: str, table_name: str, busy_timeout_ms: int = 30_000) -> int:
    import adbc_driver_manager
    import adbc_driver_sqlite

    from elt_project.db import adbc_ingest

    source = pa.ipc.open_stream(sys.stdin.buffer)
    state = {"rows": 0, "complete": False}

    def batches() -> Iterator[pa.RecordBatch]:
        while True:
            try:
                batch, metadata = source.read_next_batch_with_custom_metadata()
            except StopIteration:
                break
            if metadata is not None and metadata.get(b"elt_end") == b"1":
                state["complete"] = True
                break
            state["rows"] += batch.num_rows
            yield batch
        if not state["complete"]:
            raise RuntimeError("the parent stopped before the end of the data; nothing was loaded")

    database_handle = adbc_driver_sqlite.connect(database)
    conn = adbc_driver_manager.AdbcConnection(database_handle)
    try:
        adbc_ingest.execute(conn, f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        conn.set_autocommit(False)  # one transaction, committed only after the end marker
        try:
            adbc_ingest.append(conn, table_name, pa.RecordBatchReader.from_batches(source.schema, batches()))
            if not state["complete"]:
                raise RuntimeError("the parent stopped before the end of the data; nothing was loaded")
            conn.commit()
        except BaseException:
            # SQLite may have rolled back already (a full disk does): the first error is the one to report.
            with contextlib.suppress(adbc_driver_manager.Error):
                conn.rollback()
            raise
    finally:
        conn.close()
        database_handle.close()
    return state["rows"]


if __name__ == "__main__":
    try:
        print(_child(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:4])))
    except Exception as exc:  # noqa: BLE001 - one line for the parent; no traceback needed across the pipe
        print(str(exc).strip() or type(exc).__name__, file=sys.stderr)
        sys.exit(1)
