"""Every text value of the warehouse, found by the words of a question.

Why an index: a question names data ("LAX", "United Air Lines Inc.", "IT") far more
often than it names columns, and the value may sit in a column with thousands of
distinct values or only in a dimension table that maps names to the fact table's
codes. Each text column contributes its most frequent :data:`MAX_VALUES_PER_COLUMN`
distinct values, keyed by their lower-cased words, kept per schema fingerprint.

Why kept between starts: with a :class:`~elt_project.analytics.context_cache.ProfileStore` on the
context, each column read in full is kept in the cache's value file and looked up there after a restart (or
after :func:`~elt_project.analytics.nl2sql.warm_up` ran when data landed) nothing is pending.

Why in two steps: reading 100k values of an order-id column takes seconds, and the
first question after start must not wait for it. The schema context already holds
each column's most frequent values (every value of most columns); the index starts
from those at once, and a background thread reads the columns that have more. Until
it is done, a question's phrases are looked up in those columns directly (one
indexed-or-scanned ``IN`` query per column), so nothing is missed meanwhile.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from elt_project.analytics.context_cache import KeyedValues, StoredValues
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
    #: Columns with more values than the context sampled, not read in full yet.
    pending: list[tuple[str, str]] = field(default_factory=list)
    #: (table, column, value) already indexed.
    seen: set = field(default_factory=set, repr=False)
    #: The thread reading the pending columns, while it runs.
    worker: threading.Thread | None = field(default=None, repr=False)

    #: Columns read in full, as (table, column, joined words -> [[value, rows], ...]): kept as read (or as a
    #: cache file holds them), so a column of 100k values costs no work per value until a question names one.
    maps: list[tuple[str, str, dict]] = field(default_factory=list, repr=False)
    #: Columns read in full by an earlier process, looked up in the cache's value file by ``reader``.
    stored: set[tuple[str, str]] = field(default_factory=set, repr=False)
    reader: Callable[[str], list] | None = field(default=None, repr=False)
    read: dict[str, list[Entry]] = field(default_factory=dict, repr=False)

    def lookup(self, key: tuple[str, ...]) -> list[Entry]:
        found = self.by_words.get(key, [])
        if self.maps:
            joined = " ".join(key)
            found = found + [Entry(t, c, v, n) for t, c, by in self.maps for v, n in by.get(joined, ())]
        if self.stored and self.reader is not None:
            joined = " ".join(key)
            if joined not in self.read:  # the file does not change under this index: each phrase is read once
                if len(self.read) > 50_000:
                    self.read.clear()
                kept = self.reader(joined)
                self.read[joined] = [Entry(t, c, v, n) for t, c, v, n in kept if (t, c) in self.stored]
            found = found + self.read[joined]
        return found

    def add(self, table: str, column: str, value: str, rows: int) -> None:
        """Index one value (once): called for every value of every text column, so kept cheap."""
        key = value_words(value)
        if not key or len(key) > MAX_VALUE_WORDS or "".join(key).isdigit():
            return
        ident = (table, column, value)
        if ident in self.seen:
            return
        self.seen.add(ident)
        self.by_words.setdefault(key, []).append(Entry(table, column, value, rows))
        if len(key) > self.longest:
            self.longest = len(key)


_lock = threading.Lock()


def _from_context(context: SchemaContext) -> ValueIndex:
    """The index from what the context sampled (or, for a context built by hand, its profiled values)."""
    index = ValueIndex({}, 1)
    for table in context.tables.values():
        for column in table.columns:
            if column.kind != "text":
                continue
            counts, complete = context.samples.get((table.name, column.name), ({}, True))
            if isinstance(counts, StoredValues) and context.store is not None and context.engine is not None:
                index.stored.add((table.name, column.name))  # read in full before: looked up in the store
                index.longest = max(index.longest, counts.longest)
                url = context.engine.url.render_as_string(hide_password=True)
                index.reader = functools.partial(context.store.read_values, url)
                continue
            if not counts and column.values:
                counts = dict.fromkeys(column.values, 0)
            for value, rows in counts.items():
                index.add(table.name, column.name, value, rows)
            if not complete:
                index.pending.append((table.name, column.name))
    return index


def _most_frequent(context: SchemaContext, table: str, column: str) -> list[tuple[str, int]]:
    col = sa.table(table, sa.column(column)).c[column]
    counted = sa.func.count().label("n")
    query = (
        sa.select(col, counted)
        .where(col.is_not(None))
        .group_by(col)
        .order_by(counted.desc())
        .limit(MAX_VALUES_PER_COLUMN)
    )
    with context.engine.connect() as conn:
        return [(str(v), int(n)) for v, n in conn.execute(query)]


def _fill(index: ValueIndex, context: SchemaContext) -> None:
    """Read the pending columns in full (bounded), one at a time, merging each when read."""
    for table, column in list(index.pending):
        try:
            found = _most_frequent(context, table, column)
        except sa.exc.SQLAlchemyError:
            continue  # the column stays pending: questions keep looking it up directly
        by_words, longest = keyed(found)
        with _lock:
            index.maps = [m for m in index.maps if m[:2] != (table, column)] + [(table, column, by_words)]
            index.longest = max(index.longest, longest)
            index.pending.remove((table, column))
        if context.store is not None and context.engine is not None and table in context.table_keys:
            # the next start reads them from the file
            url = context.engine.url.render_as_string(hide_password=True)
            stored = KeyedValues(by_words, longest)
            context.store.save_values(url, table, context.table_keys[table], column, stored)


def keyed(found: list[tuple[str, int]]) -> tuple[dict[str, list], int]:
    """Values by their joined lower-case words (how :class:`ValueIndex` looks up a column read in full)."""
    by_words: dict[str, list] = {}
    longest = 1
    for value, rows in found:
        key = value_words(value)
        if not key or len(key) > MAX_VALUE_WORDS or "".join(key).isdigit():
            continue
        by_words.setdefault(" ".join(key), []).append([value, rows])
        longest = max(longest, len(key))
    return by_words, longest


def value_index(context: SchemaContext, *, wait: bool = False) -> ValueIndex:
    """The index of ``context`` (kept on it: a context lives as long as its schema fingerprint);
    the first call starts reading the big columns in the background."""
    with _lock:
        cached: ValueIndex | None = context.__dict__.get("_value_index")
        started = cached is None
        found = _from_context(context) if cached is None else cached
        if started:
            object.__setattr__(context, "_value_index", found)  # the context is frozen; this is its cache
    if started and found.pending and context.engine is not None:
        found.worker = threading.Thread(target=_fill, args=(found, context), name="value-index", daemon=True)
        found.worker.start()
    if wait and found.worker is not None:
        found.worker.join()
    return found


def lookup_pending(index: ValueIndex, context: SchemaContext, phrases: dict[str, tuple[str, ...]]) -> dict:
    """Entries of still-pending columns whose lower-cased value is one of ``phrases`` (text -> words key)."""
    with _lock:
        pending = list(index.pending)
    if not pending or not phrases or context.engine is None:
        return {}
    found: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
    with context.engine.connect() as conn:
        for table, column in pending:
            col = sa.table(table, sa.column(column)).c[column]
            query = sa.select(col, sa.func.count()).where(sa.func.lower(col).in_(list(phrases))).group_by(col)
            for value, rows in conn.execute(query):
                key = phrases.get(str(value).lower()) or value_words(str(value))
                found[key].append(Entry(table, column, str(value), int(rows)))
    return found
