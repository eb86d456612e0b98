"""Limits on zip-based files (.xlsx) checked before a parser opens them: no zip bombs.

A workbook is a zip of XML files, and a few hundred kilobytes can unpack to
gigabytes. openpyxl keeps some members whole in memory (the shared strings, the
styles, the workbook part); the sheets themselves are streamed. So before parsing,
every member's declared size and compression ratio are checked against limits.
The declared sizes are what Python's ``zipfile`` holds a reader to (it stops at a
member's declared size), so a member cannot unpack to more than it declares.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from elt_project.errors import SourceFileError

MIB = 1 << 20


@dataclass(frozen=True)
class ZipLimits:
    """Bounds for one archive; the defaults leave room for any workbook a person makes."""

    #: A streamed member (a sheet) may unpack to this much.
    max_member_bytes: int = 2048 * MIB
    #: A member a parser loads whole (shared strings, styles, ...) may unpack to this much.
    max_in_memory_bytes: int = 64 * MIB
    #: All members together.
    max_total_bytes: int = 4096 * MIB
    #: Unpacked / packed size; real workbooks stay far below (XML packs ~5-30 times).
    max_ratio: float = 100.0
    #: Members smaller than this unpacked are not held to the ratio (tiny files pack oddly).
    ratio_floor_bytes: int = 1 * MIB
    #: Members a parser reads whole, by name ending.
    in_memory_suffixes: tuple[str, ...] = ("sharedstrings.xml", "styles.xml", "workbook.xml", ".rels")


def check_zip(path: Path, limits: ZipLimits = ZipLimits()) -> None:
    """Refuse ``path`` (SourceFileError) when a member would unpack too large or packs suspiciously well."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the parser says so in its own words
    total = 0
    for member in members:
        size = member.file_size
        total += size
        in_memory = member.filename.lower().endswith(limits.in_memory_suffixes)
        cap = limits.max_in_memory_bytes if in_memory else limits.max_member_bytes
        ratio = size / max(member.compress_size, 1)
        if size > cap:
            raise _refused(path, f"its part {member.filename} unpacks to {size / MIB:,.0f} MB (limit {cap / MIB:,.0f})")
        if size >= limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise _refused(path, f"its part {member.filename} unpacks {ratio:,.0f} times its packed size")
        if total > limits.max_total_bytes:
            raise _refused(path, f"its parts unpack to more than {limits.max_total_bytes / MIB:,.0f} MB")


def _refused(path: Path, why: str) -> SourceFileError:
    return SourceFileError(
        f"{path.name} was not read: {why}, which real workbooks do not; open it in Excel and save it again, "
        "or split it."
    )
