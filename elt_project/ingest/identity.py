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
    try:
        before = path.stat()
        digest = sha256_file(path)
        after = path.stat()
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise TransientError(f"{path.name} changed while it was being read; it is still being written, try again.")
    return FileIdentity(path=path, size=after.st_size, mtime=after.st_mtime, sha256=digest)


def sha256_file(path: str | Path, limit: int | None = None) -> str:
    """Hex SHA-256 of ``path``'s bytes, or of its first ``limit`` bytes, read in 1 MiB chunks.

    The one content hash of the product: the ledger, the sensors' run keys, remote downloads
    and the grown-file check all compare digests made here. OSError is the caller's to handle.
    """
    digest = hashlib.sha256()
    left = limit
    with open(path, "rb") as handle:
        while left is None or left > 0:
            block = handle.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
            if not block:
                break
            digest.update(block)
            if left is not None:
                left -= len(block)
    return digest.hexdigest()
