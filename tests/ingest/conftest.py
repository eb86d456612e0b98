"""Helpers for ingest tests: write real files in tmp_path and read them back as rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from elt_project.ingest.reader import read_batches


def read_all(path: Path, **kwargs) -> tuple[list[pa.RecordBatch], pa.Table]:
    """All batches of a file and the table they make together."""
    batches = list(read_batches(path, **kwargs))
    return batches, pa.Table.from_batches(batches)


@pytest.fixture
def write(tmp_path: Path):
    """write(name, bytes_or_text, encoding='utf-8') -> Path of the new file."""

    def _write(name: str, content: bytes | str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        data = content.encode(encoding) if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    return _write
