"""Each table's Ask profile and value lists, kept in a file so the first question after start reads them.

Why a file: profiling a million-row table and reading the values of its text columns takes
seconds, and a restarted hub would pay them again before its first answer although nothing
changed. One JSON file per table under ``<data_dir>/ask_cache/<warehouse>/`` holds what
:mod:`.schema_context` profiled and, once read in full, every column's most frequent values
(:mod:`.nl2sql.values`). The file is written when data lands (:func:`refresh_tables`, called
after a load) and whenever a process finishes reading a table.

Why it is safe: each file carries the table's key (columns, types and row count, the same
signal that makes the in-memory context re-profile a table), and a file whose key differs
from the table's now, or older than :data:`MAX_AGE_S`, is ignored and rewritten. It is a
cache: deleting the folder costs one slower first question, nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elt_project.analytics.schema_context import ColumnInfo, ForeignKey, TableInfo

#: A file older than this is re-profiled even if the table's key has not changed.
MAX_AGE_S = 24 * 3600.0
_lock = threading.Lock()


def folder(cache_dir: Path, url: str) -> Path:
    return Path(cache_dir) / hashlib.sha256(url.encode()).hexdigest()[:16]


def _path(cache_dir: Path, url: str, table: str) -> Path:
    safe = hashlib.sha256(table.encode()).hexdigest()[:12]
    return folder(cache_dir, url) / f"{''.join(c for c in table if c.isalnum() or c == '_')[:40]}-{safe}.json"


def _read(cache_dir: Path, url: str, table: str) -> dict | None:
    try:
        return json.loads(_path(cache_dir, url, table).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(cache_dir: Path, url: str, table: str, data: dict) -> None:
    path = _path(cache_dir, url, table)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        temp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temp, path)  # readers see the old file or the new one, never half of one
    except OSError:
        pass  # a cache that cannot be written only makes the next start slower


@dataclass(frozen=True)
class KeyedValues:
    """A column's values read in full: joined lower-case words -> [[value, rows], ...] (as the file keeps them)."""

    by_words: dict
    longest: int


class ProfileStore:
    """The files of one folder; handed to :func:`.schema_context.get_context` (which knows no files)."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)

    def load(self, url: str, table: str, key: list) -> tuple | None:
        return load_profile(self.cache_dir, url, table, key)

    def save(self, url: str, key: list, profiled: tuple) -> None:
        save_profile(self.cache_dir, url, key, profiled)

    def save_values(self, url: str, table: str, key: list, column: str, values: KeyedValues) -> None:
        save_values(self.cache_dir, url, table, key, column, values)

    def drop(self, url: str, table: str) -> None:
        """Forget ``table`` (a load rewrote it; its row count alone may not show it)."""
        with _lock:
            _path(self.cache_dir, url, table).unlink(missing_ok=True)


def load_profile(cache_dir: Path, url: str, table: str, key: list) -> tuple | None:
    """The profile tuple of :func:`.schema_context._profiled_table` if the file matches ``key``, else None.

    Columns whose full value lists are in the file come back complete, so the value index
    has nothing to read for them.
    """
    data = _read(cache_dir, url, table)
    if not data or data.get("key") != key or time.time() - data.get("saved_at", 0) > MAX_AGE_S:
        return None
    p = data["profile"]
    columns = tuple(
        ColumnInfo(
            c["name"], c["type_name"], c["kind"],
            values=tuple(c["values"]) if c["values"] is not None else None,
            levels=c["levels"], date_range=tuple(c["date_range"]) if c["date_range"] else None,
            comment=c["comment"],
        )
        for c in p["columns"]
    )  # fmt: skip
    info = TableInfo(table, columns, tuple(p["primary_key"]), p["row_count"], tuple(p["unique"]))
    samples = {(table, column): sample for column, sample in p["samples"].items()}
    keys = {(table, column) for column in p["unique"]}
    counted: dict[tuple[str, str], tuple[Any, bool]] = {
        (table, column): (dict(counts), complete) for column, (counts, complete) in p["counted"].items()
    }
    for column, values in data.get("values", {}).items():
        counted[(table, column)] = (KeyedValues(values["by_words"], values["longest"]), True)
    fks = [
        ForeignKey(table, column, ref_table, ref_column, inferred=False) for column, ref_table, ref_column in p["fks"]
    ]
    return info, samples, keys, counted, fks


def save_profile(cache_dir: Path, url: str, key: list, profiled: tuple) -> None:
    """Write a freshly profiled table (its value lists follow in :func:`save_values`)."""
    info, samples, _keys, counted, fks = profiled
    table = info.name
    profile = {
        "columns": [
            {"name": c.name, "type_name": c.type_name, "kind": c.kind, "values": list(c.values) if c.values else None,
             "levels": c.levels, "date_range": list(c.date_range) if c.date_range else None, "comment": c.comment}
            for c in info.columns
        ],
        "primary_key": list(info.primary_key),
        "row_count": info.row_count,
        "unique": list(info.unique),
        "samples": {column: sample for (t, column), sample in samples.items() if t == table},
        "counted": {column: [counts, complete] for (t, column), (counts, complete) in counted.items() if t == table},
        "fks": [[fk.column, fk.ref_table, fk.ref_column] for fk in fks],
    }  # fmt: skip
    with _lock:
        _write(cache_dir, url, table, {"key": key, "saved_at": time.time(), "profile": profile, "values": {}})


def save_values(cache_dir: Path, url: str, table: str, key: list, column: str, values: KeyedValues) -> None:
    """Add one column's full value list to the table's file, if the file still describes ``key``."""
    with _lock:
        data = _read(cache_dir, url, table)
        if not data or data.get("key") != key:
            return
        data.setdefault("values", {})[column] = {"by_words": values.by_words, "longest": values.longest}
        _write(cache_dir, url, table, data)
