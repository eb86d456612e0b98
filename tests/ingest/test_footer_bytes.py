"""Finding a header or footer line by bytes, and reading a file only up to an offset."""

from __future__ import annotations

from pathlib import Path

import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest import footer

BLOCK = 1 << 16


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    return path


def test_the_last_marker_line_is_found_from_the_end_across_blocks(tmp_path):
    body = b"a,b\n" + b"1,2\n" * (BLOCK // 2)  # two blocks of rows before the footer
    path = _write(tmp_path, body + b"TOTAL 9\n" + b"x" * 10 + b"\nTOTAL 10\n" + b"9" * (BLOCK + 5))
    assert footer.find_last_line_containing(path, b"TOTAL") == len(body) + 8 + 11
    # the only marker is on the first line: the line starts at 0
    first = _write(tmp_path, b"TOTAL\n" + b"z" * (3 * BLOCK))
    assert footer.find_last_line_containing(first, b"TOTAL") == 0
    assert footer.find_last_line_containing(first, b"absent") is None
    assert footer.find_last_line_containing(_write(tmp_path, b"x"), b"x") == 0


def test_a_marker_split_by_a_block_boundary_is_still_found(tmp_path):
    # "END" straddles the first block read from the end: "E" before it, "ND" inside it
    tail = b"ND\n" + b"y" * (BLOCK - 3)
    head = b"rows\nE"
    path = _write(tmp_path, head + tail)
    assert footer.find_last_line_containing(path, b"END") == 5
    # a one-byte marker needs no carry, and a long line before it is walked back block by block
    long_line = b"q" * (2 * BLOCK + 7)
    path = _write(tmp_path, b"h\n" + long_line + b"#" + b"w" * 3)
    assert footer.find_last_line_containing(path, b"#") == 2


def test_the_first_marker_line_is_counted_from_zero(tmp_path):
    path = _write(tmp_path, b"junk\nmore junk\nid,name\n1,a\nid,name\n")
    assert footer.find_first_line_containing(path, b"id,name") == 2
    assert footer.find_first_line_containing(path, b"junk") == 0
    assert footer.find_first_line_containing(path, b"nowhere") is None


def test_a_limited_read_ends_at_the_offset(tmp_path):
    data = bytes(range(256)) * (BLOCK // 64)  # several buffer lengths
    path = _write(tmp_path, data)
    with footer.limited_binary(path, 1000) as handle:
        assert handle.read() == data[:1000]
    with footer.limited_binary(path, 0) as handle:
        assert handle.read() == b""
    with footer.limited_binary(path, None) as handle:
        assert handle.read() == data
    with footer.limited_binary(path, len(data) + 50) as handle:
        assert handle.read() == data
    with footer.limited_binary(path, 3 * BLOCK + 1) as handle:
        assert [len(handle.read(BLOCK)) for _ in range(5)] == [BLOCK, BLOCK, BLOCK, 1, 0]


def test_a_vanished_file_is_named(tmp_path):
    gone = tmp_path / "gone.txt"
    for call in (
        lambda: footer.find_last_line_containing(gone, b"x"),
        lambda: footer.find_first_line_containing(gone, b"x"),
        lambda: footer.limited_binary(gone, 1).__enter__(),
    ):
        with pytest.raises(SourceFileError, match="gone.txt no longer exists"):
            call()
