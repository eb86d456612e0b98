"""Every text value of the warehouse, found by the words of a question.

Why an index: a question names data ("LAX", "United Air Lines Inc.", "IT") far more
often than it names columns, and the value may sit in a column with thousands of
distinct values or only in a dimension table that maps names to the fact table's
codes. Each text column contributes its most frequent :data:`MAX_VALUES_PER_COLUMN`
distinct values, keyed by their lower-cased words; the index is built on the first
question and kept per schema fingerprint (so a changed schema gets a new one).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from elt_project.analytics.schema_context import SchemaContext

MAX_VALUES_PER_COLUMN = 100_000
#: Values of more words than this are not looked for in questions.
MAX_VALUE_WORDS = 8
_WORD = re.compile(r"[a-z0-9]+(?:['&][a-z0-9]+)*")


def value_words(text: str) -> tuple[str, ...]:
    """The words a value or a question is matched on: lower case, punctuation dropped."""
    return tuple(_WORD.findall(text.lower().replace("’", "'")))


@dataclass(frozen=True)
class Entry:
    table: str
    column: str
    value: str
    rows: int


@dataclass
class ValueIndex:
    by_words: dict[tuple[str, ...], list[Entry]]
    longest: int

    def lookup(self, key: tuple[str, ...]) -> list[Entry]:
        return self.by_words.get(key, [])


_indexes: dict[str, ValueIndex] = {}
_lock = threading.Lock()


def _read(context: SchemaContext) -> ValueIndex:
    by_words: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    longest = 1
    with context.engine.connect() as conn:
        for table in context.tables.values():
            for column in table.columns:
                if column.kind != "text":
                    continue
                col = sa.table(table.name, sa.column(column.name)).c[column.name]
                counted = sa.func.count().label("n")
                query = (
                    sa.select(col, counted)
                    .where(col.is_not(None))
                    .group_by(col)
                    .order_by(counted.desc())
                    .limit(MAX_VALUES_PER_COLUMN)
                )
                for value, rows in conn.execute(query):
                    key = value_words(str(value))
                    if not key or len(key) > MAX_VALUE_WORDS or all(w.isdigit() for w in key):
                        continue
                    by_words[key].append(Entry(table.name, column.name, str(value), int(rows)))
                    longest = max(longest, len(key))
    return ValueIndex(dict(by_words), longest)


def value_index(context: SchemaContext) -> ValueIndex:
    """The index of ``context``'s warehouse, read on first use; an empty one without an engine."""
    if context.engine is None:
        return _from_profiled(context)
    key = f"{context.engine.url.render_as_string(hide_password=True)}|{context.fingerprint}|{sorted(context.tables)}"
    with _lock:
        found = _indexes.get(key)
    if found is None:
        found = _read(context)
        with _lock:
            _indexes[key] = found
    return found


def _from_profiled(context: SchemaContext) -> ValueIndex:
    """Without an engine (a context built by hand), the profiled low-cardinality values only."""
    by_words: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    for table in context.tables.values():
        for column in table.columns:
            for value in column.values or ():
                if key := value_words(value):
                    by_words[key].append(Entry(table.name, column.name, value, 0))
    return ValueIndex(dict(by_words), max((len(k) for k in by_words), default=1))
