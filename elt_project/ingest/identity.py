"""A file's identity: what the ledger and the sensor's run key use to tell files apart.

The name alone is not enough (a new file may reuse an old name), so the content
hash is part of it. Hashing streams 1 MiB chunks, so memory does not grow with size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from elt_project.errors import TransientError
from elt_project.ingest.base import file_access_error

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class FileIdentity:
    """Path, size, modification time and SHA-256 of a file at one moment."""

    path: Path
    size: int
    mtime: float
    sha256: str


def file_identity(path: str | Path) -> FileIdentity:
    """Size, mtime and SHA-256 of ``path``.

    A file that changes while it is hashed is still being written: that is a
    :class:`TransientError` (try again later), not an identity.
    """
    path = Path(path)
    digest = hashlib.sha256()
    try:
        before = path.stat()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                digest.update(chunk)
        after = path.stat()
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise TransientError(f"{path.name} changed while it was being read; it is still being written, try again.")
    return FileIdentity(path=path, size=after.st_size, mtime=after.st_mtime, sha256=digest.hexdigest())
