"""BM25 over the words of each indexed document: the exact-term half of a hybrid search.

Why beside the meaning model: the model leaves codes out of a row's vector (tail numbers,
airport codes, model numbers say nothing it can read, see :func:`.index.meaningful_values`)
and reads a rare name as noise, so "N10156", "JFK" or "Goodyear" typed exactly would
otherwise rank below rows that merely resemble it. BM25 finds them by spelling.

How (the layout of the ``bm25s`` library: the BM25 weight of every (document, term) pair is
computed once, when the index is loaded, into a sparse matrix; a query sums the columns of
its terms). ``rank_bm25`` scores every document in a Python loop per query, too slow at
hundreds of thousands of rows. Only cell values are read from a row's text ("name:
Envoy Air · tzone: America/Chicago" gives "envoy air america chicago"): column names
recur on every row of a table and would match a query that names the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers, with a plural "s" folded ("airports" and "airport" are one term)."""
    return [_fold(word) for word in _TOKEN.findall(text.lower())]


def _fold(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _value_of(part: str) -> str:
    """A row's part without its column name ("tzone: America/Chicago" -> "America/Chicago")."""
    return part.split(": ", 1)[-1]


@dataclass
class LexicalIndex:
    weights: sparse.csc_matrix  # documents x terms, BM25 weight of each term in each document
    vocabulary: dict[str, int]
    idf: np.ndarray  # per term

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 score, share of the query's words present) of every document for ``query``.

        The share weighs each distinct query word by its idf; a word no document holds
        counts at the highest idf, so a query is fully covered only when every word is found.
        """
        words = set(tokens(query))
        columns = sorted({self.vocabulary[t] for t in words if t in self.vocabulary})
        empty = np.zeros(self.weights.shape[0], dtype=np.float32)
        if not columns:
            return empty, empty
        part = self.weights[:, columns]
        bm25 = np.asarray(part.sum(axis=1), dtype=np.float32).ravel()
        idf = self.idf[columns]
        unknown = len(words) - len(columns)
        total = float(idf.sum()) + unknown * float(self.idf.max())
        present = (part > 0).astype(np.float32) @ idf
        return bm25, np.asarray(present, dtype=np.float32).ravel() / max(total, 1e-12)


def build(documents: list[tuple[str, str]]) -> LexicalIndex:
    """The BM25 matrix of ``documents``, (kind, text) pairs: a row's values are read without
    their column names, a table or column document whole.

    A row's part ("region: West") recurs across thousands of rows, so each distinct part is
    split and tokenised once: that keeps the words of a 240k-row index to about a second.
    """
    vocabulary: dict[str, int] = {}
    parts: dict[str, list[int]] = {}
    indptr, indices = [0], []
    for kind, text in documents:
        for part in text.split(" · ") if kind == "row" else (text,):
            ids = parts.get(part)
            if ids is None:
                words = tokens(_value_of(part) if kind == "row" else part)
                ids = parts[part] = [vocabulary.setdefault(t, len(vocabulary)) for t in words]
            indices.extend(ids)
        indptr.append(len(indices))
    counts = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(documents), max(len(vocabulary), 1)),
    )
    counts.sum_duplicates()  # repeated terms: one entry holding the term frequency
    lengths = np.diff(np.asarray(indptr)).astype(np.float32)
    average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
    n = float(len(documents))
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)  # the non-negative BM25 idf (Lucene's)
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    tf = counts.data
    norm = K1 * (1 - B + B * lengths[rows] / average)
    weights = counts.copy()
    weights.data = (idf[counts.indices] * tf * (K1 + 1) / (tf + norm)).astype(np.float32)
    return LexicalIndex(weights=weights.tocsc(), vocabulary=vocabulary, idf=idf)
