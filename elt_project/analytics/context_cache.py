"""Each table's Ask profile and value lists, kept in a file so the first question after start reads them.

Why a file: profiling a million-row table and reading the values of its text columns takes
seconds, and a restarted hub would pay them again before its first answer although nothing
changed. Under ``<data_dir>/ask_cache/<warehouse>/``, one JSON file per table holds what
:mod:`.schema_context` profiled, and ``values.sqlite`` every column's most frequent values once
read in full (:mod:`.nl2sql.values`), indexed by their words: a question's phrases are looked up
there, so a column of 100k values costs nothing at start. Both are written when data lands
(:func:`~elt_project.analytics.nl2sql.warm_up`, after a load) and whenever a process finishes
reading a column.

Why it is safe: a profile and each column's values carry the table's key (columns, types and
row count, the same signal that makes the in-memory context re-profile a table); what was kept
under another key, or a profile older than :data:`MAX_AGE_S`, is ignored and rewritten. It is
a cache: deleting the folder costs one slower first question, nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
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
    """A column's values read in full: joined lower-case words -> [[value, rows], ...]."""

    by_words: dict
    longest: int


@dataclass(frozen=True)
class StoredValues:
    """A column whose values are in the store's ``values.sqlite``: looked up there, never loaded whole."""

    longest: int


class ProfileStore:
    """The files of one folder; handed to :func:`.schema_context.get_context` (which knows no files)."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = Path(cache_dir)
        self._readers = threading.local()  # one reading connection per thread and warehouse

    def load(self, url: str, table: str, key: list) -> tuple | None:
        loaded = load_profile(self.cache_dir, url, table, key)
        if loaded is not None:
            for column, longest in self._stored_columns(url, table, key).items():
                loaded[3][(table, column)] = (StoredValues(longest), True)
        return loaded

    def save(self, url: str, key: list, profiled: tuple) -> None:
        save_profile(self.cache_dir, url, key, profiled)

    def save_values(self, url: str, table: str, key: list, column: str, values: KeyedValues) -> None:
        """Keep one column's full value list (a table's values count only while its key is ``key``)."""
        rows = ((table, column, words, value, n) for words, found in values.by_words.items() for value, n in found)
        with _lock, contextlib.suppress(OSError, sqlite3.Error), self._values(url) as conn:
            conn.execute("DELETE FROM vals WHERE tbl = ? AND col = ?", (table, column))
            conn.executemany("INSERT INTO vals VALUES (?, ?, ?, ?, ?)", rows)
            conn.execute(
                "INSERT OR REPLACE INTO cols VALUES (?, ?, ?, ?)", (table, column, json.dumps(key), values.longest)
            )  # a cache that cannot be written only makes the next start slower

    def read_values(self, url: str, words: str) -> list[tuple[str, str, str, int]]:
        """(table, column, value, rows) of every kept value whose joined words are ``words``."""
        readers = self._readers.__dict__
        if url not in readers:
            with self._values(url):  # the file and its tables exist
                pass
            readers[url] = sqlite3.connect(folder(self.cache_dir, url) / "values.sqlite", timeout=30)
        return readers[url].execute("SELECT tbl, col, value, n FROM vals WHERE words = ?", (words,)).fetchall()

    def drop(self, url: str, table: str) -> None:
        """Forget ``table`` (a load rewrote it; its row count alone may not show it)."""
        with _lock:
            with self._values(url) as conn:  # values first: a failure here leaves the profile to be dropped again
                conn.execute("DELETE FROM vals WHERE tbl = ?", (table,))
                conn.execute("DELETE FROM cols WHERE tbl = ?", (table,))
            _path(self.cache_dir, url, table).unlink(missing_ok=True)

    def _stored_columns(self, url: str, table: str, key: list) -> dict[str, int]:
        try:
            with self._values(url) as conn:
                found = conn.execute("SELECT col, key, longest FROM cols WHERE tbl = ?", (table,)).fetchall()
        except (OSError, sqlite3.Error):
            return {}  # the columns are read from the warehouse again
        return {col: longest for col, stored_key, longest in found if json.loads(stored_key) == key}

    @contextlib.contextmanager
    def _values(self, url: str):
        """A connection to the warehouse's value file (one per use: the hub answers on many threads)."""
        path = folder(self.cache_dir, url) / "values.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30)
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS cols (tbl TEXT, col TEXT, key TEXT, longest INT, PRIMARY KEY (tbl, col))"
            )
            conn.execute("CREATE TABLE IF NOT EXISTS vals (tbl TEXT, col TEXT, words TEXT, value TEXT, n INT)")
            conn.execute("CREATE INDEX IF NOT EXISTS vals_words ON vals (words)")
            with conn:
                yield conn
        finally:
            conn.close()


def load_profile(cache_dir: Path, url: str, table: str, key: list) -> tuple | None:
    """The profile tuple of :func:`.schema_context._profiled_table` if the file matches ``key``, else None.

    Columns whose full value lists the store keeps come back complete (:class:`StoredValues`, see
    :meth:`ProfileStore.load`), so the value index has nothing to read for them.
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
        _write(cache_dir, url, table, {"key": key, "saved_at": time.time(), "profile": profile})
