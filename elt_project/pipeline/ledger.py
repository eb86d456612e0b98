"""The file ledger: a file (by content) is loaded into an import once.

``elt_file_ledger`` has one row per (import_name, content_hash). Before a file is
staged the run *claims* it:

- already LOADED → the file is a duplicate (a re-drop, maybe under another name);
- STAGED by another run (that run crashed before its transform) or FAILED → the
  row is taken over by this run and the file is staged again;
- unknown → a new STAGED row.

The transform marks the rows LOADED in the same transaction that writes the
destination, so "LOADED" and "the rows are there" can never disagree.

A reload on purpose (``elt run IMPORT --file F --reload``) claims a LOADED file as
RELOADING: to everyone else it still counts as loaded (its rows are still in the
destination), the transform takes the earlier rows out and puts the new ones in,
in the one transaction that marks it LOADED again, and a failed reload puts it
back to LOADED — the earlier load still stands.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db.schema import elt_file_ledger as ledger
from elt_project.errors import TransientError

STAGED, LOADED, FAILED = "STAGED", "LOADED", "FAILED"
RELOADING = "RELOADING"
#: Statuses of the files a run is loading (staged for the transform).
IN_PROGRESS = (STAGED, RELOADING)


def utcnow() -> datetime:
    """Naive UTC, as the DateTime columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def claim(
    engine: Engine, import_name: str, identity, run_id: str, *, reload: bool = False
) -> Literal["claimed", "duplicate", "reload"]:
    """Claim a file for this run (see the module docstring); ``identity`` is a FileIdentity.

    With ``reload`` a LOADED (or RELOADING, by a run that died) file is claimed as
    RELOADING and ``"reload"`` is returned; an unknown or failed file is claimed as usual.
    """
    where = sa.and_(ledger.c.import_name == import_name, ledger.c.content_hash == identity.sha256)
    values = {
        "file_path": str(identity.path),
        "file_size": identity.size,
        "file_mtime": identity.mtime,
        "status": STAGED,
        "run_id": run_id,
        "rows_loaded": None,
        "error_message": None,
        "updated_at": utcnow(),
    }
    try:
        with engine.begin() as conn:
            row = conn.execute(sa.select(ledger.c.status, ledger.c.run_id).where(where)).first()
            if row is not None and row.run_id == run_id and row.status in IN_PROGRESS:
                return "duplicate"  # the same file twice in one run
            if reload and row is not None and row.status in (LOADED, RELOADING):
                reloading = {**values, "status": RELOADING}
                del reloading["rows_loaded"]  # the earlier load's count, checked by the transform
                conn.execute(sa.update(ledger).where(where).values(**reloading))
                return "reload"
            if row is not None and row.status in (LOADED, RELOADING):
                return "duplicate"
            if row is None:
                conn.execute(sa.insert(ledger).values(import_name=import_name, content_hash=identity.sha256, **values))
            else:
                conn.execute(sa.update(ledger).where(where).values(**values))
    except sa.exc.IntegrityError as exc:
        raise TransientError(
            f"Another run is registering file {identity.path} for import '{import_name}' right now; "
            "run the import again in a minute."
        ) from exc
    return "claimed"


def mark_failed(bind: Engine | Connection, import_name: str, run_id: str, message: str) -> None:
    """This run's STAGED files of the import become FAILED (retried by the next run).

    A failed reload goes back to LOADED: the destination still holds the earlier load.
    """
    mine = (ledger.c.import_name == import_name, ledger.c.run_id == run_id)
    statements = [
        sa.update(ledger)
        .where(*mine, ledger.c.status == STAGED)
        .values(status=FAILED, error_message=message[:4000], updated_at=utcnow()),
        sa.update(ledger)
        .where(*mine, ledger.c.status == RELOADING)
        .values(status=LOADED, error_message=f"Reload failed: {message}"[:4000], updated_at=utcnow()),
    ]
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            for statement in statements:
                conn.execute(statement)
    else:
        for statement in statements:
            bind.execute(statement)


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


def mark_loaded(conn: Connection, import_name: str, run_id: str, rows_loaded: int | None) -> None:
    """Inside the transform's transaction: this run's files of the import are LOADED."""
    conn.execute(
        sa.update(ledger)
        .where(ledger.c.import_name == import_name, ledger.c.run_id == run_id, ledger.c.status.in_(IN_PROGRESS))
        .values(status=LOADED, rows_loaded=rows_loaded, error_message=None, updated_at=utcnow())
    )


def loaded_hashes(engine: Engine, import_name: str) -> set[str]:
    """Content hashes already LOADED for an import (to skip them when listing a folder)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ledger.c.content_hash).where(
                ledger.c.import_name == import_name, ledger.c.status.in_((LOADED, RELOADING))
            )
        )
        return {row[0] for row in rows}


def loaded_files(conn: Connection, run_id: str, import_name: str) -> list[str]:
    """Paths of the files this run LOADED for an import (for archiving)."""
    rows = conn.execute(
        sa.select(ledger.c.file_path).where(
            ledger.c.run_id == run_id, ledger.c.import_name == import_name, ledger.c.status == LOADED
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


def reloading_files(conn: Connection, run_id: str, import_name: str) -> dict[str, int | None]:
    """Content hash -> rows its earlier load put in, for the files this run reloads."""
    rows = conn.execute(
        sa.select(ledger.c.content_hash, ledger.c.rows_loaded).where(
            ledger.c.run_id == run_id, ledger.c.import_name == import_name, ledger.c.status == RELOADING
        )
    )
    return {row.content_hash: row.rows_loaded for row in rows}


NARROWING_NOTE = "Transform would change a value: "


def note_narrowing(engine: Engine, import_name: str, content_hash: str, run_id: str, message: str) -> None:
    """Record on the file's row (still STAGED) why the built-in transform must not run for it."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(ledger)
            .where(ledger.c.import_name == import_name, ledger.c.content_hash == content_hash,
                   ledger.c.run_id == run_id)
            .values(error_message=(NARROWING_NOTE + message)[:4000], updated_at=utcnow())
        )


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
    return [row[0][len(NARROWING_NOTE):] for row in rows]
