"""The search index on disk, and its incremental refresh from the warehouse.

What is indexed: every table the hub may read (``hub_config.allowed_tables``: never
accounts or metadata) as one document, each of its columns as one document, and
each row as one document made of its text cells (keys, lineage and id-like columns
left out: they carry no meaning).

Why cells and not rows are embedded: a row's vector is the normalised sum of its
cells' vectors, and the same cell value ("Home Goods", "West") recurs across
thousands of rows, so each distinct value is embedded once. A refresh embeds only
values it has never seen; a row costs a fingerprint comparison.

Incremental refresh, per table: a table with a load timestamp whose row count,
newest timestamp and newest steward edit are what the index last saw is skipped;
otherwise its keys and text cells are read (no embedding), and only rows whose
fingerprint is new or changed are rewritten; removed rows are dropped. The index is one SQLite file
per engine under ``<data_dir>/search/``; it is a cache and can be deleted at any
time.

When: not at query time (comparing every row's fingerprint of a 400k-row warehouse
takes seconds). :func:`.freshness.refresh_when_landed` is the hook a load (and the demo's
install) calls once its rows are committed; a query only checks the landing mark
(:mod:`.freshness`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from scipy import sparse
from sqlalchemy.engine import Engine

from elt_project.analytics import hub_config
from elt_project.db.schema import steward_audit_log
from elt_project.pipeline.tables import LINEAGE_COLUMNS
from elt_project.private_files import private_file

log = logging.getLogger(__name__)

#: Rows read per table at most; beyond it the table is indexed in part (and the report says so).
MAX_ROWS_PER_TABLE = 500_000
_FETCH = 10_000
#: Bumped when the file's layout changes; an index of another layout is rebuilt.
INDEX_FORMAT = 4
_EMBED_BATCH = 512
_TIMESTAMP_COLUMNS = ("load_timestamp", "updated_at", "loaded_at", "modified_at", "last_modified")
_ID_LIKE = re.compile(r"(^id$|_id$|_key$|_hash$|sku$|_code$|^uuid$)", re.I)
#: A cell value that is a code, not words: one token with a digit ("N10156", "A320-232", "9E") or one
#: to three capitals (carrier "AA", airport "JFK", currency "USD", flag "U"). A meaning model reads
#: noise into it, so it does not shape a row's vector.
_CODE_LIKE = re.compile(r"^(?=\S*\d)\S+$|^[A-Z]{1,3}$")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS vals (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, table_name TEXT NOT NULL, row_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL, text TEXT NOT NULL, value_ids BLOB NOT NULL, UNIQUE (table_name, row_key)
);
CREATE TABLE IF NOT EXISTS sources (table_name TEXT PRIMARY KEY, state TEXT NOT NULL);
"""


@dataclass
class RefreshReport:
    """What a refresh did, for the CLI and the page."""

    engine: str
    tables: int = 0
    skipped_tables: int = 0
    rows_written: int = 0
    rows_removed: int = 0
    values_embedded: int = 0
    partial_tables: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Search index ({self.engine}): {self.tables} table{'' if self.tables == 1 else 's'} "
            f"({self.skipped_tables} unchanged), "
            f"{self.rows_written} rows written, {self.rows_removed} removed, "
            f"{self.values_embedded} new values embedded."
        )
        if self.partial_tables:
            text += f" Indexed in part (first {MAX_ROWS_PER_TABLE} rows): {', '.join(self.partial_tables)}."
        return text


def index_path(data_dir: Path, encoder) -> Path:
    return Path(data_dir) / "search" / f"{encoder.name}.sqlite"


def open_index(path: Path, encoder) -> sqlite3.Connection:
    """The index file (created when missing); a file of another model is started afresh."""
    private_file(path)  # it copies row text out of the warehouse
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    model = db.execute("SELECT value FROM meta WHERE name = 'model'").fetchone()
    if model is not None and model[0] != f"{encoder.model_id}/{INDEX_FORMAT}":
        db.executescript("DELETE FROM docs; DELETE FROM vals; DELETE FROM sources;")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (f"{encoder.model_id}/{INDEX_FORMAT}",))
    db.commit()
    return db


def encode_vector(vector, dense: bool) -> bytes:
    if dense:
        return np.asarray(vector, dtype=np.float32).tobytes()
    row = sparse.csr_matrix(vector)
    return row.indices.astype(np.int32).tobytes() + row.data.astype(np.float32).tobytes()


def text_columns(table: sa.Table) -> list[sa.Column]:
    """The columns whose values carry meaning: text, not a key, not lineage, not an id or code."""
    keys = {c.name for c in table.primary_key.columns}
    chosen = []
    for column in table.columns:
        try:
            is_text = column.type.python_type is str
        except NotImplementedError:
            is_text = False
        meaningful = column.name not in keys and column.name.lower() not in LINEAGE_COLUMNS
        if is_text and meaningful and not _ID_LIKE.search(column.name):
            chosen.append(column)
    return chosen


def _words(name: str) -> str:
    return name.replace("_", " ")


def _state(engine: Engine, table: sa.Table) -> dict:
    """What tells whether a table changed: its row count, newest load timestamp, newest steward edit."""
    stamp = next((table.c[n] for n in _TIMESTAMP_COLUMNS if n in table.c), None)
    columns = [sa.func.count()] + ([sa.func.max(stamp)] if stamp is not None else [])
    with engine.connect() as conn:
        row = conn.execute(sa.select(*columns).select_from(table)).one()
        log = steward_audit_log
        edited = conn.execute(
            sa.select(sa.func.max(log.c.id)).where(sa.func.lower(log.c.table_name) == table.name.lower())
        ).scalar()
    return {
        "rows": int(row[0]),
        "stamp": str(row[1]) if stamp is not None else None,
        "edit": edited,
        "columns": [c.name for c in text_columns(table)],
    }


def meaningful_values(values: list[str]) -> list[str]:
    """The values that shape a row's vector for a meaning model: codes left out, unless the row has nothing else.

    Why: a row's vector is the normalised sum of its cells' vectors, so the vectors of
    tail numbers, airport codes and model numbers, which say nothing a query can mean,
    pull every row towards noise and bury the one cell ("Turbo-prop") that answers it.
    The display text keeps every cell, and TF-IDF still matches codes by spelling.
    """
    words = [value for value in values if not _CODE_LIKE.match(value)]
    return words or values


def in_context(table: str, column: str, value: str) -> str:
    """The text a meaning model embeds for a cell: the value after its table and column ("planes engine: Turbo-prop").

    Why: a bare value is often a word the model cannot place ("Turbo-prop", "Van", "carni",
    "Japan" as a car's origin); read after its table and column it means what the table says.
    The stored vector is the mean of this reading and of the bare value (:func:`_encode_values`),
    so a value still matches a query that names it alone.
    """
    return f"{_words(table)} {_words(column)}: {value}"


def _bare(text: str) -> str:
    return text.split(": ", 1)[-1]


def _row_documents(engine: Engine, table: sa.Table, meaning: bool) -> Iterator[tuple[str, str, list[str]]]:
    """(row key, display text, cell values) per row, at most MAX_ROWS_PER_TABLE rows.

    ``meaning``: the encoder reads meaning (embeddings), so code-like values are left out
    of the values (see :func:`meaningful_values`).
    """
    keys = list(table.primary_key.columns)
    columns = text_columns(table)
    if not columns:
        return
    query = sa.select(*keys, *columns).limit(MAX_ROWS_PER_TABLE)
    if keys:
        query = query.order_by(*keys)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(query)
        while chunk := result.fetchmany(_FETCH):
            for row in chunk:
                cells = [(c.name, row._mapping[c.name]) for c in columns]
                cells = [(name, str(v).strip()) for name, v in cells if v is not None and str(v).strip()]
                if not cells:
                    continue
                text = " · ".join(f"{name}: {value}" for name, value in cells)
                if keys:
                    values = [str(row._mapping[k.name]) for k in keys]
                    key = values[0] if len(values) == 1 else json.dumps(values)
                else:
                    key = "#" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]
                if meaning:
                    kept = set(meaningful_values([value for _, value in cells]))
                    yield key, text, [in_context(table.name, name, value) for name, value in cells if value in kept]
                else:
                    yield key, text, [value for _, value in cells]


def _schema_documents(engine: Engine, table: sa.Table) -> list[tuple[str, str, str, list[str]]]:
    """(kind, key, text, values) for the table itself and each of its columns."""
    names = [c.name for c in table.columns]
    docs = [
        (
            "table",
            "",
            f"table {table.name}: {', '.join(names)}",
            [f"{_words(table.name)}: {', '.join(map(_words, names))}"],
        )
    ]
    for column in table.columns:
        docs.append(
            (
                "column",
                f"column:{column.name}",
                f"column {table.name}.{column.name} ({column.type})",
                [f"{_words(column.name)} of {_words(table.name)}"],
            )
        )
    return docs


def refresh(engine: Engine, encoder, data_dir: Path, *, tables: list[str] | None = None) -> RefreshReport:
    """Bring the index of ``encoder`` up to date with the warehouse (only what changed is rewritten)."""
    report = RefreshReport(engine=encoder.name)
    db = open_index(index_path(data_dir, encoder), encoder)
    try:
        names = sorted(tables if tables is not None else hub_config.allowed_tables(engine))
        metadata = sa.MetaData()
        for name in names:
            table = sa.Table(name, metadata, autoload_with=engine)
            report.tables += 1
            state = _state(engine, table)
            stored = db.execute("SELECT state FROM sources WHERE table_name = ?", (name,)).fetchone()
            # Only a table with a load timestamp can be judged unchanged from its summary: without
            # one, an update plus a delete keeps the count, so its rows are compared every time.
            if state["stamp"] is not None and stored is not None and json.loads(stored[0]) == state:
                report.skipped_tables += 1
                continue
            _refresh_table(db, engine, encoder, table, report)
            if state["rows"] > MAX_ROWS_PER_TABLE:
                report.partial_tables.append(name)
            db.execute("INSERT OR REPLACE INTO sources VALUES (?, ?)", (name, json.dumps(state)))
            db.commit()
        gone = [r[0] for r in db.execute("SELECT table_name FROM sources") if r[0] not in names]
        for name in gone if tables is None else []:
            report.rows_removed += db.execute("DELETE FROM docs WHERE table_name = ?", (name,)).rowcount
            db.execute("DELETE FROM sources WHERE table_name = ?", (name,))
        db.commit()
    finally:
        db.close()
    return report


def _refresh_table(db: sqlite3.Connection, engine: Engine, encoder, table: sa.Table, report: RefreshReport) -> None:
    stored = {
        key: fp for key, fp in db.execute("SELECT row_key, fingerprint FROM docs WHERE table_name = ?", (table.name,))
    }
    pending: list[tuple[str, str, str, str, list[str]]] = []  # kind, key, fingerprint, text, values
    seen = set()
    documents = [(kind, key, text, values) for kind, key, text, values in _schema_documents(engine, table)]
    documents += [("row", key, text, values) for key, text, values in _row_documents(engine, table, encoder.dense)]
    for kind, key, text, values in documents:
        fingerprint = hashlib.sha1("\x1f".join([text, *values]).encode(), usedforsecurity=False).hexdigest()
        seen.add(key)
        if stored.get(key) != fingerprint:
            pending.append((kind, key, fingerprint, text, values))
        if len(pending) >= _FETCH:
            _write_documents(db, encoder, table.name, pending, report)
            pending = []
    _write_documents(db, encoder, table.name, pending, report)
    removed = [key for key in stored if key not in seen]
    db.executemany("DELETE FROM docs WHERE table_name = ? AND row_key = ?", [(table.name, k) for k in removed])
    report.rows_removed += len(removed)


def _encode_values(encoder, texts: list[str], cells: set[str]):
    """Vectors of the values ``texts``; for a meaning model, a row's cell (in ``cells``) is the mean of its
    reading in context and bare (:func:`in_context`); a table or column document is read as written."""
    vectors = encoder.encode(texts)
    if not encoder.dense:
        return vectors
    bare = [i for i, text in enumerate(texts) if text in cells]
    if bare:
        vectors = np.array(vectors, dtype=np.float32)
        vectors[bare] += encoder.encode([_bare(texts[i]) for i in bare])
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _write_documents(db: sqlite3.Connection, encoder, table_name: str, pending, report: RefreshReport) -> None:
    if not pending:
        return
    wanted = sorted({value for *_, values in pending for value in values})
    cells = {value for kind, *_, values in pending if kind == "row" for value in values}
    known = {}
    for start in range(0, len(wanted), 900):
        part = wanted[start : start + 900]
        marks = ",".join("?" * len(part))
        known.update(db.execute(f"SELECT text, id FROM vals WHERE text IN ({marks})", part).fetchall())  # noqa: S608 — only '?' placeholders are joined in; the values are bound
    new = [value for value in wanted if value not in known]
    for start in range(0, len(new), _EMBED_BATCH):
        batch = new[start : start + _EMBED_BATCH]
        vectors = _encode_values(encoder, batch, cells)
        rows = [(text, encode_vector(vectors[i], encoder.dense)) for i, text in enumerate(batch)]
        db.executemany("INSERT INTO vals (text, vec) VALUES (?, ?)", rows)
        report.values_embedded += len(batch)
    if new:
        for start in range(0, len(new), 900):
            part = new[start : start + 900]
            marks = ",".join("?" * len(part))
            known.update(db.execute(f"SELECT text, id FROM vals WHERE text IN ({marks})", part).fetchall())  # noqa: S608 — only '?' placeholders are joined in; the values are bound
    db.executemany(
        "INSERT INTO docs (kind, table_name, row_key, fingerprint, text, value_ids) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (table_name, row_key) DO UPDATE SET kind = excluded.kind, fingerprint = excluded.fingerprint, "
        "text = excluded.text, value_ids = excluded.value_ids",
        [
            (kind, table_name, key, fingerprint, text, np.array([known[v] for v in values], dtype=np.int32).tobytes())
            for kind, key, fingerprint, text, values in pending
        ],
    )
    report.rows_written += sum(1 for kind, *_ in pending if kind == "row")
