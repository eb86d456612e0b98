"""Byte-range helpers for header/footer pre-processing without loading the file.

The footer marker sits near the end of a file, so it is found by reading
blocks backwards from the end; the parser then reads only the bytes before it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from elt_project.ingest.base import file_access_error

_BLOCK = 1 << 16


def find_last_line_containing(path: Path, marker: bytes) -> int | None:
    """Byte offset where the LAST line containing ``marker`` starts; None if absent."""
    try:
        with open(path, "rb") as handle:
            end = handle.seek(0, io.SEEK_END)
            position, carry = end, b""
            while position > 0:
                start = max(0, position - _BLOCK)
                handle.seek(start)
                block = handle.read(position - start) + carry
                hit = block.rfind(marker)
                if hit >= 0:
                    return _line_start(handle, start + hit)
                carry = block[: len(marker) - 1] if len(marker) > 1 else b""
                position = start
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    return None


def _line_start(handle: IO[bytes], offset: int) -> int:
    """Offset just after the newline that precedes ``offset`` (0 on the first line)."""
    position = offset
    while position > 0:
        start = max(0, position - _BLOCK)
        handle.seek(start)
        block = handle.read(position - start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0


def find_first_line_containing(path: Path, marker: bytes) -> int | None:
    """0-based number of the first line containing ``marker``; None if absent."""
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle):
                if marker in line:
                    return number
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    return None


class _LimitedRaw(io.RawIOBase):
    """A raw stream over the first ``limit`` bytes of a file."""

    def __init__(self, handle: IO[bytes], limit: int | None) -> None:
        self._handle, self._left = handle, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        view = memoryview(buffer)
        if self._left is not None:
            if self._left <= 0:
                return 0
            view = view[: self._left]
        count = self._handle.readinto(view)
        if self._left is not None:
            self._left -= count
        return count


@contextmanager
def limited_binary(path: Path, limit: int | None) -> Iterator[IO[bytes]]:
    """Open ``path`` for binary reading, ending at byte ``limit`` (None: the whole file)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; open errors are translated first
    except OSError as exc:
        raise file_access_error(path, exc) from exc
    with handle:
        yield io.BufferedReader(_LimitedRaw(handle, limit), buffer_size=1 << 20)
