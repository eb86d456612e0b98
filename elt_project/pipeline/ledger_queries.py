"""What the file ledger says: the statuses it records and the questions asked of it.

The writes that move a file between statuses (claim, mark, record, hand over) are in
:mod:`elt_project.pipeline.ledger`, which re-exports these names, so callers keep asking
``ledger.loaded_hashes(...)``; the queries live here so neither half outgrows one reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db.schema import elt_file_ledger as ledger

STAGED, LOADED, FAILED = "STAGED", "LOADED", "FAILED"
RELOADING = "RELOADING"
#: A file refused on purpose, e.g. one that grew after its first part was loaded (:mod:`.growth`).
REFUSED = "REFUSED"
#: Statuses of the files a run is loading (staged for the transform).
IN_PROGRESS = (STAGED, RELOADING)
#: Content hashes asked about per query (see :func:`hashes_in`).
HASH_CHUNK = 500


def staged_files(conn: Connection, run_id: str, import_names: list[str]) -> dict[str, list[str]]:
    """Import name → file paths this run STAGED (only those imports are transformed)."""
    if not import_names:
        return {}
    rows = conn.execute(
        sa.select(ledger.c.import_name, ledger.c.file_path)
        .where(ledger.c.run_id == run_id, ledger.c.status.in_(IN_PROGRESS), ledger.c.import_name.in_(import_names))
        .order_by(ledger.c.id)
    )
    result: dict[str, list[str]] = {}
    for row in rows:
        result.setdefault(row.import_name, []).append(row.file_path)
    return result


def loaded_hashes(engine: Engine, import_name: str) -> set[str]:
    """Content hashes already LOADED for an import (to skip them when listing a folder)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ledger.c.content_hash).where(
                ledger.c.import_name == import_name, ledger.c.status.in_((LOADED, RELOADING))
            )
        )
        return {row[0] for row in rows}


def hashes_in(
    engine: Engine, import_name: str, candidates: set[str], statuses: tuple[str, ...] = (LOADED,)
) -> set[str]:
    """The subset of ``candidates`` the ledger has in one of ``statuses`` for this import.

    Asked in chunks of :data:`HASH_CHUNK`, so a folder of thousands of files stays under
    every warehouse's limit on bound parameters (SQL Server's is 2,100).
    """
    found: set[str] = set()
    ordered = sorted(candidates)
    with engine.connect() as conn:
        for start in range(0, len(ordered), HASH_CHUNK):
            query = sa.select(ledger.c.content_hash).where(
                ledger.c.import_name == import_name,
                ledger.c.status.in_(statuses),
                ledger.c.content_hash.in_(ordered[start : start + HASH_CHUNK]),
            )
            found.update(conn.scalars(query))
    return found


def loaded_as(engine: Engine, import_name: str, path: str, size: int, mtime: float) -> bool:
    """True when a file with this path, size and mtime was LOADED for the import (a remote listing's check)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(ledger.c.id).where(
                ledger.c.import_name == import_name,
                ledger.c.file_path == path,
                ledger.c.file_size == size,
                ledger.c.file_mtime == float(mtime),
                ledger.c.status == LOADED,
            )
        ).first()
    return row is not None


def loaded_at_path(engine: Engine, import_name: str, path: str, smaller_than: int) -> list[tuple[str, int, str | None]]:
    """(content hash, size, run id) of LOADED files of the import at ``path`` smaller than ``smaller_than`` bytes."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ledger.c.content_hash, ledger.c.file_size, ledger.c.run_id)
            .where(
                ledger.c.import_name == import_name,
                ledger.c.file_path == path,
                ledger.c.status.in_((LOADED, RELOADING)),
                ledger.c.file_size < smaller_than,
            )
            .order_by(ledger.c.file_size.desc())
        )
        return [tuple(row) for row in rows]


def known_hashes(engine: Engine, import_name: str) -> set[str]:
    """Every content hash the ledger has a row for in this import, whatever its status."""
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(ledger.c.content_hash).where(ledger.c.import_name == import_name)))


def loaded_files(conn: Connection, run_id: str, import_name: str) -> list[str]:
    """Paths of the files this run LOADED for an import (for archiving)."""
    rows = conn.execute(
        sa.select(ledger.c.file_path).where(
            ledger.c.run_id == run_id, ledger.c.import_name == import_name, ledger.c.status == LOADED
        )
    )
    return [row[0] for row in rows]


def failed_paths(conn: Connection, run_id: str, import_name: str) -> list[str]:
    """Paths of the files this run left FAILED for an import (for archiving)."""
    rows = conn.execute(
        sa.select(ledger.c.file_path).where(
            ledger.c.run_id == run_id, ledger.c.import_name == import_name, ledger.c.status == FAILED
        )
    )
    return [row[0] for row in rows]


def staged_hashes(conn: Connection, run_id: str, import_name: str) -> list[str]:
    """Content hashes of the files this run STAGED for an import."""
    rows = conn.execute(
        sa.select(ledger.c.content_hash).where(
            ledger.c.run_id == run_id, ledger.c.import_name == import_name, ledger.c.status.in_(IN_PROGRESS)
        )
    )
    return [row[0] for row in rows]


@dataclass(frozen=True)
class FailedFile:
    """A ledger row in status FAILED: the file as it was when its last run failed."""

    content_hash: str
    file_path: str
    file_size: int
    file_mtime: float
    run_id: str | None
    error_message: str | None


def failed_files(bind: Engine | Connection, import_name: str) -> list[FailedFile]:
    """The import's FAILED files, oldest failure first (what ``elt retry`` and the sensor retry)."""
    query = (
        sa.select(
            ledger.c.content_hash,
            ledger.c.file_path,
            ledger.c.file_size,
            ledger.c.file_mtime,
            ledger.c.run_id,
            ledger.c.error_message,
        )
        .where(ledger.c.import_name == import_name, ledger.c.status == FAILED)
        .order_by(ledger.c.updated_at, ledger.c.id)
    )
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            rows = conn.execute(query).all()
    else:
        rows = bind.execute(query).all()
    return [FailedFile(*row) for row in rows]


def reloading_files(conn: Connection, run_id: str, import_name: str) -> dict[str, int | None]:
    """Content hash -> rows its earlier load put in, for the files this run reloads."""
    rows = conn.execute(
        sa.select(ledger.c.content_hash, ledger.c.rows_loaded).where(
            ledger.c.run_id == run_id, ledger.c.import_name == import_name, ledger.c.status == RELOADING
        )
    )
    return {row.content_hash: row.rows_loaded for row in rows}


NARROWING_NOTE = "Transform would change a value: "


def narrowing_notes(conn: Connection, run_id: str, import_names: list[str]) -> list[str]:
    """The notes :func:`note_narrowing` left on this run's files of these imports."""
    if not import_names:
        return []
    rows = conn.execute(
        sa.select(ledger.c.error_message).where(
            ledger.c.run_id == run_id,
            ledger.c.import_name.in_(import_names),
            ledger.c.status.in_(IN_PROGRESS),
            ledger.c.error_message.like(NARROWING_NOTE + "%"),
        )
    )
    return [row[0][len(NARROWING_NOTE) :] for row in rows]


@dataclass(frozen=True)
class LoadedFile:
    """The file whose content an import already holds: what a skipped copy is a copy of."""

    file_path: str
    file_mtime: float
    loaded_at: datetime | None
    rows_loaded: int | None

    @property
    def file_name(self) -> str:
        """The last part of the path (POSIX or Windows): people need the name, not the server's folders."""
        return self.file_path.replace("\\", "/").rsplit("/", 1)[-1]


def loaded_copy_of(bind: Engine | Connection, import_name: str, content_hash: str) -> LoadedFile | None:
    """The LOADED (or reloading) file of ``import_name`` with this content, or None."""
    query = sa.select(ledger.c.file_path, ledger.c.file_mtime, ledger.c.updated_at, ledger.c.rows_loaded).where(
        ledger.c.import_name == import_name,
        ledger.c.content_hash == content_hash,
        ledger.c.status.in_((LOADED, RELOADING)),
    )
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            row = conn.execute(query).first()
    else:
        row = bind.execute(query).first()
    return LoadedFile(*row) if row else None
