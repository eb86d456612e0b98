"""Answering a search from the index: score every distinct value once, then every row by its cells.

A row's score mixes the cosine between the query and the sum of its cells' vectors,
``(cells · query) / |sum of cells|``, with the score of its best-matching cell. Scoring the
distinct values (a few thousand) and adding them up per row through a sparse row-by-value matrix keeps a query in
milliseconds at hundreds of thousands of rows. The loaded index is cached per
process and reloaded when its file changes.

Dense vectors are centred before the cosine: the mean of the index's value vectors is
taken off every value and off the query. Sentence-embedding models put all short texts
in a narrow cone (every airport name is close to every other, and to "airport"), so the
raw cosine rewards what a value shares with all the others; after centring it rewards
what sets a value apart, which is what a query by meaning asks for.

With a meaning engine, exact words count too: BM25 over the cell values, weighted by how
much of the query a row holds (:func:`_with_words`), so a code or name typed as spelt
comes first. Rows identical in every value the ranking reads can be folded into one hit
with a count (``collapse``).

Visibility is applied before ranking: a row, column or table of a table the person
may not see never reaches the results (see :func:`visible_tables`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sqlalchemy.engine import Engine

from elt_project.analytics import access
from elt_project.analytics.search import lexical
from elt_project.analytics.search.index import index_path
from elt_project.analytics.search.lexical import LexicalIndex
from elt_project.auth.accounts import Account
from elt_project.auth.roles import has_role

_CACHE: dict[str, tuple[float, LoadedIndex]] = {}
KINDS = ("table", "column", "row")
#: How much an exact-word match adds to a meaning model's score, at most (see :func:`_with_words`).
LEXICAL_WEIGHT = 0.3
#: The word match counts by the share of the query's words a document holds, to this power.
COVERAGE_POWER = 4
#: A row's meaning score: this share from its best-matching cell, the rest from the cosine with the
#: sum of its cells (see :func:`_best_cell`).
MAX_CELL_WEIGHT = 0.7


@dataclass(frozen=True)
class Hit:
    table: str
    key: str | None
    text: str
    score: float
    kind: str
    similar: int = 0  # rows of the same table, identical in every value the ranking reads, folded into this one

    def as_json(self) -> dict:
        return {
            "table": self.table,
            "key": self.key,
            "text": self.text,
            "score": round(self.score, 4),
            "kind": self.kind,
            "similar": self.similar,
        }


@dataclass
class LoadedIndex:
    """The index in memory: value vectors, the row-by-value matrix, row norms and row details."""

    values: np.ndarray | sparse.csr_matrix
    cells: sparse.csr_matrix
    norms: np.ndarray
    tables: np.ndarray
    table_names: list[str]
    keys: list[str]
    texts: list[str]
    kinds: list[str]
    kind_codes: np.ndarray  # index into KINDS, per document
    masks: dict = field(default_factory=dict)  # (visible, kinds) -> which documents may be returned
    center: np.ndarray | None = None  # mean of the dense cell vectors, taken off cells and queries
    schema_values: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # table and column documents'
    schema_center: np.ndarray | None = None  # mean of the schema_values' vectors, centred apart
    lexical: LexicalIndex | None = None  # BM25 over the documents' words, beside a meaning model
    groups: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per document: identical-row group
    slots: np.ndarray | None = None  # per document, its value positions padded with len(values) (see _cell_slots)
    group_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per group: its documents

    @property
    def size(self) -> int:
        return len(self.keys)


def _decode(blob: bytes, dense: bool):
    if dense:
        return np.frombuffer(blob, dtype=np.float32)
    half = len(blob) // 2
    return np.frombuffer(blob[:half], dtype=np.int32), np.frombuffer(blob[half:], dtype=np.float32)


def load_index(path: Path, encoder) -> LoadedIndex | None:
    """The index file in memory (cached until the file changes), or None when there is none yet."""
    if not path.is_file():
        return None
    stamp = path.stat().st_mtime
    cached = _CACHE.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        value_rows = db.execute("SELECT id, vec FROM vals ORDER BY id").fetchall()
        docs = db.execute("SELECT kind, table_name, row_key, text, value_ids FROM docs ORDER BY id").fetchall()
    finally:
        db.close()
    position = {vid: i for i, (vid, _) in enumerate(value_rows)}
    center = None
    if encoder.dense:
        values = np.vstack([_decode(b, True) for _, b in value_rows]) if value_rows else np.zeros((0, 1), np.float32)
    else:
        indptr, indices, data = [0], [], []
        for _, blob in value_rows:
            idx, val = _decode(blob, False)
            indices.append(idx)
            data.append(val)
            indptr.append(indptr[-1] + len(idx))
        width = 2**18
        values = sparse.csr_matrix(
            (np.concatenate(data) if data else [], np.concatenate(indices) if indices else [], indptr),
            shape=(len(value_rows), width),
        )
        values = _idf_weighted(values)
    # Value ids are dense row numbers of ``vals`` in id order: map them through one lookup array.
    lookup = np.full(max(position, default=0) + 1, -1, dtype=np.int64)
    for vid, index in position.items():
        lookup[vid] = index
    ids = [np.frombuffer(doc[4], dtype=np.int32) for doc in docs]
    lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
    cols = lookup[np.concatenate(ids)] if ids else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(docs)), lengths)
    keep = cols >= 0
    cells = sparse.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (rows[keep], cols[keep])), shape=(len(docs), len(value_rows))
    )
    schema_values = np.zeros(0, dtype=np.int64)
    if encoder.dense and len(value_rows):
        center, schema_values, schema_center, values = _centred(values, cells, [d[0] for d in docs])
    table_names = sorted({d[1] for d in docs})
    table_index = {name: i for i, name in enumerate(table_names)}
    loaded = LoadedIndex(
        values=values,
        cells=cells,
        norms=_row_norms(cells, values),
        tables=np.array([table_index[d[1]] for d in docs], dtype=np.int32),
        table_names=table_names,
        keys=[d[2] for d in docs],
        texts=[d[3] for d in docs],
        kinds=[d[0] for d in docs],
        kind_codes=np.array([KINDS.index(d[0]) for d in docs], dtype=np.int8),
        center=center,
        schema_values=schema_values,
        schema_center=None if not len(schema_values) else schema_center,
        lexical=lexical.build([(d[0], d[3]) for d in docs]) if encoder.dense else None,
        slots=_cell_slots(cells) if encoder.dense else None,
    )
    loaded.groups, loaded.group_sizes = _identical_groups(loaded.tables, cells)
    _CACHE[str(path)] = (stamp, loaded)
    return loaded


def _centred(values: np.ndarray, cells: sparse.csr_matrix, kinds: list[str]):
    """(cell centre, schema value positions, schema centre, centred unit values).

    Row cells and table/column documents are centred on their own means: every cell of a
    table is read after the table's name (:func:`.index.in_context`), so the cells' mean
    leans towards the tables with most rows, and taking it off a table's own document
    would hide the table from a question about it.
    """
    schema_docs = np.array([kind != "row" for kind in kinds], dtype=bool)
    in_schema = np.asarray(cells[schema_docs].sum(axis=0)).ravel() > 0 if schema_docs.any() else None
    schema = np.flatnonzero(in_schema) if in_schema is not None else np.zeros(0, dtype=np.int64)
    rest = np.ones(len(values), dtype=bool)
    rest[schema] = False
    center = values[rest].mean(axis=0) if rest.any() else values.mean(axis=0)
    schema_center = values[schema].mean(axis=0) if len(schema) else center
    centred = values - center
    centred[schema] = values[schema] - schema_center
    return center, schema, schema_center, _unit_rows(centred)


def _identical_groups(tables: np.ndarray, cells: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """(group per document, size per group): documents of one table made of the same values share a group.

    Two random projections of each document's value set stand for the set (equal sets give
    equal projections; unequal ones collide with negligible probability), so grouping
    400k rows costs two sparse products instead of a Python loop over tuples.
    """
    rng = np.random.default_rng(0)
    projection = rng.random((cells.shape[1], 2)) if cells.shape[1] else np.zeros((0, 2))
    signature = np.column_stack([tables.astype(np.float64), np.round(cells @ projection, 9)])
    _, groups, sizes = np.unique(signature, axis=0, return_inverse=True, return_counts=True)
    return groups.ravel(), sizes


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)).astype(np.float32)


def _idf_weighted(values: sparse.csr_matrix) -> sparse.csr_matrix:
    """Weigh n-grams by inverse document frequency over the distinct values, then renormalise."""
    df = np.bincount(values.indices, minlength=values.shape[1]).astype(np.float32)
    idf = np.log((1 + values.shape[0]) / (1 + df)) + 1
    weighted = values @ sparse.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    return (sparse.diags(1 / np.maximum(norms, 1e-12)) @ weighted).tocsr()


def _row_norms(cells: sparse.csr_matrix, values) -> np.ndarray:
    """|sum of a row's cell vectors|, computed in chunks so memory stays small."""
    norms = np.zeros(cells.shape[0], dtype=np.float32)
    for start in range(0, cells.shape[0], 20_000):
        block = cells[start : start + 20_000] @ values
        if sparse.issparse(block):
            norms[start : start + 20_000] = np.sqrt(np.asarray(block.multiply(block).sum(axis=1)).ravel())
        else:
            norms[start : start + 20_000] = np.linalg.norm(block, axis=1)
    return np.maximum(norms, 1e-12)


def search(
    loaded: LoadedIndex,
    encoder,
    query: str,
    *,
    visible: set[str] | None,
    limit: int = 10,
    kinds: set[str] | None = None,
    collapse: bool = False,
) -> list[Hit]:
    """The ``limit`` best documents for ``query`` among tables in ``visible`` (None: every indexed table).

    ``collapse``: rows identical in everything the ranking reads (54 days of "weather:
    drizzle" whose only other cell is a date) come back as one hit, the best-scored,
    with ``similar`` saying how many more there are, so they do not fill the page.
    """
    if loaded is None or loaded.size == 0 or not query.strip():
        return []
    from threadpoolctl import threadpool_limits

    vector = encoder.encode([query.strip()])
    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only add contention
        if sparse.issparse(vector):  # TF-IDF: the value side carries the IDF weights
            value_scores = np.asarray(loaded.values @ vector.T.toarray()).ravel()
        else:
            query_vector = vector[0] if loaded.center is None else _unit_rows(vector[0] - loaded.center)
            value_scores = loaded.values @ query_vector
            if loaded.schema_center is not None:
                schema_query = _unit_rows(vector[0] - loaded.schema_center)
                value_scores[loaded.schema_values] = loaded.values[loaded.schema_values] @ schema_query
    scores = np.asarray(loaded.cells @ value_scores).ravel() / loaded.norms
    if MAX_CELL_WEIGHT and loaded.center is not None:
        scores = (1 - MAX_CELL_WEIGHT) * scores + MAX_CELL_WEIGHT * _best_cell(loaded, value_scores)
    allowed = _allowed(loaded, visible, kinds)
    scores[~allowed] = -np.inf
    if loaded.lexical is not None and LEXICAL_WEIGHT:
        scores = _with_words(loaded.lexical, query, scores, allowed)
    available = int(allowed.sum())
    if min(limit, available) <= 0:
        return []
    best = _best(scores, min(limit, available))
    similar = [0] * len(best)
    pool = max(limit * 20, 200)
    while collapse:  # widen the pool until it holds ``limit`` distinct rows or everything
        best = _first_of_each_group(loaded, _best(scores, min(pool, available)), limit)
        if len(best) == limit or pool >= available:
            similar = (loaded.group_sizes[loaded.groups[best]] - 1).tolist()
            break
        pool *= 8
    return [
        Hit(
            table=loaded.table_names[loaded.tables[i]],
            key=loaded.keys[i] if loaded.kinds[i] == "row" and not loaded.keys[i].startswith("#") else None,
            text=loaded.texts[i],
            score=float(scores[i]),
            kind=loaded.kinds[i],
            similar=int(n),
        )
        for i, n in zip(best.tolist(), similar)
    ]


def _best_cell(loaded: LoadedIndex, value_scores: np.ndarray) -> np.ndarray:
    """Per document, the score of its best-matching value (0 for a document without values).

    Why beside the cosine with the sum of the cells: in a row of many text cells (a car's
    maker, model, class, drive, air bags and origin; a person's name, address, race and
    cause of death) the one cell a query means is diluted by the others; the best cell
    alone keeps it, and the sum's share still prefers rows where several cells agree.
    """
    if loaded.slots is None or loaded.slots.shape[1] == 0:
        return np.zeros(loaded.size, dtype=np.float32)
    padded = np.append(value_scores.astype(np.float32), np.float32(-np.inf))
    best = padded[loaded.slots[:, 0]]
    for column in range(1, loaded.slots.shape[1]):  # column by column: a strided max(axis=1) is slower
        np.maximum(best, padded[loaded.slots[:, column]], out=best)
    best[~np.isfinite(best)] = 0
    return best


def _cell_slots(cells: sparse.csr_matrix) -> np.ndarray:
    """Each document's value positions as one row of a dense array, padded with ``len(values)``.

    Why: a row-wise maximum over this array takes a few milliseconds at 240k rows, where
    ``np.maximum.reduceat`` over the sparse rows took about 35 (one step per row).
    """
    counts = np.diff(cells.indptr)
    width = int(counts.max()) if len(counts) else 0
    slots = np.full((width, cells.shape[0]), cells.shape[1], dtype=np.int32)
    rows = np.repeat(np.arange(cells.shape[0]), counts)
    slots[np.arange(cells.nnz) - np.repeat(cells.indptr[:-1], counts), rows] = cells.indices
    return slots.T  # documents x width, each column contiguous in memory


def _best(scores: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` best-scored documents, best first (none scored -inf: not visible)."""
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    return top[np.isfinite(scores[top])]


def _first_of_each_group(loaded: LoadedIndex, ranked: np.ndarray, limit: int) -> np.ndarray:
    """The best-ranked document of each identical-row group among ``ranked``, in rank order, at most ``limit``."""
    _, first = np.unique(loaded.groups[ranked], return_index=True)
    return ranked[np.sort(first)[:limit]]


def _with_words(index: LexicalIndex, query: str, dense: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """The meaning score plus ``LEXICAL_WEIGHT`` x (BM25 / best BM25) x (share of the query's words held) ** 4.

    Why gated by the share of words: a query by meaning shares a word or two with many
    rows by chance ("aircraft" in "AMERICAN AIRCRAFT INC", "airport" in most airport
    names), and an ungated BM25 term, or reciprocal rank fusion, let those rows push the
    meant ones out of the top five (development precision@5 fell from 0.58 to 0.24-0.48).
    A row holding every word typed ("N10156", "La Guardia") gets the whole boost.
    """
    words, covered = index.scores(query)
    words[~allowed] = 0
    best = float(words.max())
    if best <= 0:
        return dense
    return dense + LEXICAL_WEIGHT * (words / best) * covered**COVERAGE_POWER


def _allowed(loaded: LoadedIndex, visible: set[str] | None, kinds: set[str] | None) -> np.ndarray:
    """Which documents a search may return; cached per index, visible tables and kinds."""
    key = (None if visible is None else frozenset(v.lower() for v in visible), frozenset(kinds or ()))
    cached = loaded.masks.get(key)
    if cached is not None:
        return cached
    allowed = np.ones(loaded.size, dtype=bool)
    if visible is not None:
        chosen = [i for i, name in enumerate(loaded.table_names) if name.lower() in key[0]]
        allowed = np.isin(loaded.tables, chosen)
    if kinds is not None:
        allowed &= np.isin(loaded.kind_codes, [KINDS.index(k) for k in kinds])
    if len(loaded.masks) > 64:
        loaded.masks.clear()
    loaded.masks[key] = allowed
    return allowed


def visible_tables(engine: Engine, account: Account | None) -> set[str]:
    """The tables ``account`` may see in search: what :func:`~elt_project.analytics.access.readable_tables` allows.

    Search is an analyst's page: accounts below analyst see nothing. Admins (and the
    command line without ``--as``) see every readable table.
    """
    if account is not None and not has_role(account.role, "analyst"):
        return set()
    return access.readable_tables(engine, account)


def run_search(
    engine: Engine,
    encoder,
    data_dir: Path,
    query: str,
    *,
    account: Account | None = None,
    limit: int = 10,
    collapse: bool = False,
):
    """Search as ``account`` sees the warehouse; the index must have been refreshed."""
    loaded = load_index(index_path(data_dir, encoder), encoder)
    visible = visible_tables(engine, account)
    return search(loaded, encoder, query, visible=visible, limit=limit, collapse=collapse)
