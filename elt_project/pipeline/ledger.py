"""The file ledger: a file (by content) is loaded into an import once.

``elt_file_ledger`` has one row per (import_name, content_hash). Before a file is
staged the run *claims* it:

- already LOADED → the file is a duplicate (a re-drop, maybe under another name);
- STAGED by another run (that run crashed before its transform) or FAILED → the
  row is taken over by this run and the file is staged again (compare-and-set: of
  two runs taking the same row at once, one gets it and the other stops);
- unknown → a new STAGED row.

The transform marks the rows LOADED in the same transaction that writes the
destination, so "LOADED" and "the rows are there" can never disagree; when a row
was taken over by another run meanwhile, that transaction is rolled back.

A reload on purpose (``elt run IMPORT --file F --reload``) claims a LOADED file as
RELOADING: to everyone else it still counts as loaded (its rows are still in the
destination), the transform takes the earlier rows out and puts the new ones in,
in the one transaction that marks it LOADED again, and a failed reload puts it
back to LOADED — the earlier load still stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db.schema import elt_file_ledger as ledger
from elt_project.errors import TransientError
from elt_project.ingest.identity import FileIdentity
from elt_project.pipeline.ledger_queries import (
    FAILED,
    HASH_CHUNK,
    IN_PROGRESS,
    LOADED,
    NARROWING_NOTE,
    REFUSED,
    RELOADING,
    STAGED,
    FailedFile,
    LoadedFile,
    failed_files,
    failed_paths,
    hashes_in,
    known_hashes,
    loaded_as,
    loaded_at_path,
    loaded_copy_of,
    loaded_files,
    loaded_hashes,
    narrowing_notes,
    reloading_files,
    staged_files,
    staged_hashes,
)

#: The queries and statuses re-exported from :mod:`.ledger_queries` (callers ask them of the ledger).
__all__ = [
    "FAILED",
    "HASH_CHUNK",
    "IN_PROGRESS",
    "LOADED",
    "NARROWING_NOTE",
    "REFUSED",
    "RELOADING",
    "STAGED",
    "FailedFile",
    "LoadedFile",
    "failed_files",
    "failed_paths",
    "hashes_in",
    "known_hashes",
    "loaded_as",
    "loaded_at_path",
    "loaded_copy_of",
    "loaded_files",
    "loaded_hashes",
    "narrowing_notes",
    "reloading_files",
    "staged_files",
    "staged_hashes",
]


def utcnow() -> datetime:
    """Naive UTC, as the DateTime columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def claim(
    engine: Engine, import_name: str, identity: FileIdentity, run_id: str, *, reload: bool = False
) -> Literal["claimed", "duplicate", "reload"]:
    """Claim a file for this run (see the module docstring); ``identity`` is a FileIdentity.

    With ``reload`` a LOADED (or RELOADING, by a run that died) file is claimed as
    RELOADING and ``"reload"`` is returned; an unknown or failed file is claimed as usual.
    """
    where = sa.and_(ledger.c.import_name == import_name, ledger.c.content_hash == identity.sha256)
    values = {
        "file_path": getattr(identity, "ledger_path", None) or str(identity.path),  # remote: its origin
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
                # Compare and set: take the row over only as it was read. Two runs retrying the
                # same failed file at once must not both believe they hold it.
                same_run = ledger.c.run_id.is_(None) if row.run_id is None else ledger.c.run_id == row.run_id
                taken = conn.execute(
                    sa.update(ledger).where(where, ledger.c.status == row.status, same_run).values(**values)
                ).rowcount
                if taken != 1:
                    raise TransientError(
                        f"Another run took file {identity.path} of import '{import_name}' at the same moment; "
                        "run the import again in a minute."
                    )
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


def record_failed(
    engine: Engine, import_name: str, identities: Iterable[FileIdentity], run_id: str, message: str
) -> None:
    """Files a failed run never claimed become FAILED under this run; LOADED and STAGED rows are left alone.

    A file already FAILED is re-dated to this run (the newest failure is the one to
    retry). A row another run inserts at the same moment wins.
    """
    for identity in identities:
        _record_outcome(engine, import_name, identity, run_id, message, FAILED, replaces=(FAILED,))


def _record_outcome(
    engine: Engine,
    import_name: str,
    identity: FileIdentity,
    run_id: str,
    message: str,
    status: str,
    *,
    replaces: tuple[str, ...],
) -> None:
    """Insert the file's row with ``status``, or update a row whose status is one of ``replaces``.

    Any other row (LOADED, STAGED: another run's) is left alone, and so is a row another
    run inserts at the same moment (the unique key refuses ours).
    """
    where = sa.and_(ledger.c.import_name == import_name, ledger.c.content_hash == identity.sha256)
    values = {
        "file_path": str(identity.path),
        "file_size": identity.size,
        "file_mtime": identity.mtime,
        "status": status,
        "run_id": run_id,
        "error_message": message[:4000],
        "updated_at": utcnow(),
    }
    try:
        with engine.begin() as conn:
            current = conn.execute(sa.select(ledger.c.status).where(where)).scalar()
            if current is None:
                conn.execute(sa.insert(ledger).values(import_name=import_name, content_hash=identity.sha256, **values))
            elif current in replaces:
                conn.execute(sa.update(ledger).where(where, ledger.c.status == current).values(**values))
    except sa.exc.IntegrityError:
        return


def mark_loaded(conn: Connection, import_name: str, run_id: str, rows_loaded: int | None) -> int:
    """Inside the transform's transaction: this run's files of the import are LOADED; returns how many."""
    return conn.execute(
        sa.update(ledger)
        .where(ledger.c.import_name == import_name, ledger.c.run_id == run_id, ledger.c.status.in_(IN_PROGRESS))
        .values(status=LOADED, rows_loaded=rows_loaded, error_message=None, updated_at=utcnow())
    ).rowcount


def hand_over(conn: Connection, from_import: str, to_import: str, run_id: str) -> int:
    """Inside the transform's transaction: ``to_import`` counts ``from_import``'s LOADED files as loaded.

    The replace→append switch: both imports usually watch the same folder, and the
    files the ``replace`` import loaded are still there (archiving is off by default).
    Without this the ``append`` import would see them as new on its first run and add
    their rows a second time. Rows ``to_import`` already has for that content (a
    failure, a refusal) become LOADED too: the content is in the destination.
    """
    source = conn.execute(
        sa.select(ledger.c.content_hash, ledger.c.file_path, ledger.c.file_size, ledger.c.file_mtime).where(
            ledger.c.import_name == from_import, ledger.c.status == LOADED
        )
    ).all()
    known = {
        row.content_hash: row.status
        for row in conn.execute(
            sa.select(ledger.c.content_hash, ledger.c.status).where(ledger.c.import_name == to_import)
        )
    }
    note = f"Loaded by import '{from_import}' before it switched to this import."
    handed = 0
    for row in source:
        values = {"status": LOADED, "run_id": run_id, "error_message": note, "updated_at": utcnow()}
        if row.content_hash not in known:
            conn.execute(
                sa.insert(ledger).values(
                    import_name=to_import,
                    content_hash=row.content_hash,
                    file_path=row.file_path,
                    file_size=row.file_size,
                    file_mtime=row.file_mtime,
                    rows_loaded=0,
                    **values,
                )
            )
        elif known[row.content_hash] not in (LOADED, RELOADING):
            conn.execute(
                sa.update(ledger)
                .where(ledger.c.import_name == to_import, ledger.c.content_hash == row.content_hash)
                .values(**values)
            )
        else:
            continue
        handed += 1
    return handed


def reopen_superseded_snapshot(engine: Engine, import_name: str, content_hash: str) -> None:
    """An older snapshot seen again is new data: only the latest LOADED snapshot counts as a duplicate."""
    with engine.begin() as conn:
        latest = conn.execute(
            sa.select(ledger.c.content_hash)
            .where(ledger.c.import_name == import_name, ledger.c.status == LOADED)
            .order_by(ledger.c.updated_at.desc(), ledger.c.id.desc())
            .limit(1)
        ).scalar()
        if latest is None or latest == content_hash:
            return
        conn.execute(
            sa.update(ledger)
            .where(
                ledger.c.import_name == import_name, ledger.c.content_hash == content_hash, ledger.c.status == LOADED
            )
            .values(
                status=FAILED,
                error_message="A newer snapshot was loaded after this one; it is loaded again now that it is back.",
                updated_at=utcnow(),
            )
        )


def record_refused(engine: Engine, import_name: str, identity: FileIdentity, run_id: str, message: str) -> None:
    """The file's content is REFUSED for this import, with the reason; a row another run holds is left alone."""
    _record_outcome(engine, import_name, identity, run_id, message, REFUSED, replaces=(FAILED, REFUSED))


def note_narrowing(engine: Engine, import_name: str, content_hash: str, run_id: str, message: str) -> None:
    """Record on the file's row (still STAGED) why the built-in transform must not run for it."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(ledger)
            .where(
                ledger.c.import_name == import_name, ledger.c.content_hash == content_hash, ledger.c.run_id == run_id
            )
            .values(error_message=(NARROWING_NOTE + message)[:4000], updated_at=utcnow())
        )
