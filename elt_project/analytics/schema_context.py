"""What an NL→SQL engine may know about the warehouse, built from the database itself.

For each allow-listed table: columns with a coarse kind (text, number, date), the
primary key, foreign keys (declared first; then inferred from matching names, or from
values alone: a column whose distinct values are almost all in another table's unique
key refers to it, and the overlap is kept), the distinct values of low-cardinality
text columns (so "west" maps to ``region = 'West'`` whatever its case; every other
value is found through :mod:`~elt_project.analytics.nl2sql.values`), how many distinct
values small integer columns hold (hour, month, year: dimensions, not measures) and the
range of each date column (a month named without a year is placed in the data). The
context is cached per warehouse and rebuilt when the allowed tables' columns or row counts
change; each table's profile is kept apart, so after a load only the tables it changed are
read again. Tables over :data:`PROFILE_SAMPLE_ROWS` rows are profiled on their first rows.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics import schema_profile as profile

#: A text column with at most this many distinct values has them profiled.
MAX_PROFILED_VALUES = 60
#: Share of a column's sampled values that must exist in the referenced key.
FK_OVERLAP = 0.9
#: The same, when only the values (not the names) say a column refers to a key.
VALUE_FK_OVERLAP = 0.8
#: Distinct values read per text column to test it against keys.
FK_SAMPLE = 1000
#: Keys of tables up to this many rows are tested against other tables' values.
MAX_KEY_ROWS = 200_000
#: An integer column with at most this many distinct values can group rows (hour, month…).
MAX_INTEGER_LEVELS = 60
FINGERPRINT_TTL_S = 30.0
#: Tables with more rows have their text and integer columns profiled on this many first rows: a
#: GROUP BY per column over a million rows made the first question wait 15-30 s. What a sample
#: cannot promise (every value of a text column) the value index reads in the background.
PROFILE_SAMPLE_ROWS = 100_000


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type_name: str
    kind: str  # text | number | date | other
    values: tuple[str, ...] | None = None
    #: Distinct values of an integer column with few of them (None otherwise).
    levels: int | None = None
    #: Earliest and latest value of a date column, as ISO text.
    date_range: tuple[str, str] | None = None
    #: The warehouse's comment on the column, when it has one.
    comment: str | None = None

    @property
    def integer(self) -> bool:
        return self.kind == "number" and "INT" in self.type_name.upper()


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str
    ref_table: str
    ref_column: str
    inferred: bool
    #: Share of the column's sampled values found in the key, when inferred from values.
    overlap: float | None = None


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...]
    row_count: int
    #: Columns whose values are unique in this table (candidate keys for value joins).
    unique: tuple[str, ...] = ()

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class SchemaContext:
    dialect: str
    tables: dict[str, TableInfo]
    foreign_keys: tuple[ForeignKey, ...]
    fingerprint: str = ""
    built_at: float = field(default_factory=time.time)
    #: Where the context was read from: the value index is filled from it on first use.
    engine: Engine | None = field(default=None, compare=False, repr=False)
    #: (table, column) -> (most frequent values with their rows, whether that is every value): the
    #: value index starts from these and reads the rest of the incomplete columns in the background.
    samples: dict = field(default_factory=dict, compare=False, repr=False)
    #: Where profiles and value lists are kept between starts (:class:`.context_cache.ProfileStore`), if anywhere,
    #: and each table's key there (its columns and row count when profiled).
    store: Any = field(default=None, compare=False, repr=False)
    table_keys: dict = field(default_factory=dict, compare=False, repr=False)

    def references(self, table: str) -> list[ForeignKey]:
        """Foreign keys going out of ``table``."""
        return [fk for fk in self.foreign_keys if fk.table == table]

    def describe(self, tables: list[str] | None = None) -> str:
        """A compact text form for an LLM prompt: tables, typed columns, keys and known values."""
        lines = []
        for name in tables or sorted(self.tables):
            info = self.tables[name]
            cols = ", ".join(f"{c.name} {c.type_name}" for c in info.columns)
            lines.append(f"TABLE {name} ({cols}); primary key: {', '.join(info.primary_key) or 'none'}")
            for column in info.columns:
                if column.values:
                    shown = ", ".join(repr(v) for v in column.values[:25])
                    lines.append(f"  {name}.{column.name} values: {shown}")
            for fk in self.references(name):
                how = "declared" if not fk.inferred else "inferred"
                how += f", {fk.overlap:.0%} of values match" if fk.overlap is not None else ""
                lines.append(f"  {name}.{fk.column} -> {fk.ref_table}.{fk.ref_column} ({how})")
        return "\n".join(lines)


def column_kind(type_: sa.types.TypeEngine) -> str:
    if isinstance(type_, sa.Date | sa.DateTime):
        return "date"
    if isinstance(type_, sa.Integer | sa.Numeric | sa.Float):
        return "number"
    if isinstance(type_, sa.String | sa.Text | sa.Enum):
        return "text"
    return "other"


def _row_count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one())


def _overlap(engine: Engine, table: str, column: str, ref_table: str, ref_column: str) -> float:
    child = sa.table(table, sa.column(column))
    parent = sa.table(ref_table, sa.column(ref_column))
    sample = sa.select(child.c[column].label("v")).where(child.c[column].is_not(None)).distinct().limit(200).subquery()
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(sample)).scalar_one()
        if not total:
            return 0.0
        found = conn.execute(
            sa.select(sa.func.count()).select_from(sample).where(sample.c.v.in_(sa.select(parent.c[ref_column])))
        ).scalar_one()
    return found / total


def _infer_foreign_keys(engine: Engine, tables: dict[str, TableInfo], declared: list[ForeignKey]) -> list[ForeignKey]:
    known = {(fk.table, fk.column) for fk in declared}
    inferred = []
    for ref in tables.values():
        if len(ref.primary_key) != 1:
            continue
        key = ref.primary_key[0]
        key_kind = ref.column(key).kind
        for table in tables.values():
            if table.name == ref.name:
                continue
            for column in table.columns:
                if (table.name, column.name) in known or column.kind != key_kind:
                    continue
                if column.name in table.primary_key and len(table.primary_key) == 1 and column.name == key:
                    continue  # two tables sharing a key are peers, not a reference
                if (
                    profile.name_matches(column.name, ref.name, key)
                    and _overlap(engine, table.name, column.name, ref.name, key) >= FK_OVERLAP
                ):
                    inferred.append(ForeignKey(table.name, column.name, ref.name, key, inferred=True))
    return inferred


def fingerprint(engine: Engine, allowed: set[str]) -> str:
    """A hash of the allowed tables' names, columns and types: changes when the schema does."""
    inspector = sa.inspect(engine)
    parts = []
    for name in sorted(allowed):
        columns = inspector.get_columns(name)
        parts.append(name + ":" + ",".join(f"{c['name']} {c['type']}" for c in columns))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _describe_columns(
    engine: Engine, name: str, rows: int, inspector, counted: dict
) -> tuple[list[ColumnInfo], dict, set]:
    """Profile one table's columns; returns them, the text samples and the unique columns."""
    columns, samples, unique = [], {}, set()
    sample = PROFILE_SAMPLE_ROWS if rows > PROFILE_SAMPLE_ROWS else None
    described = inspector.get_columns(name)
    integers = [c["name"] for c in described if column_kind(c["type"]) == "number" and "INT" in str(c["type"]).upper()]
    with engine.connect() as conn:
        levels = profile.integer_levels(conn, name, integers, MAX_INTEGER_LEVELS, sample)
        for col in described:
            kind, extra = column_kind(col["type"]), {}
            type_name = str(col["type"])
            if kind == "text":
                found = profile.text_profile(conn, name, col["name"], FK_SAMPLE, rows, MAX_KEY_ROWS, sample)
                if (found.complete or sample) and len(found.sample) <= MAX_PROFILED_VALUES:
                    extra["values"] = tuple(sorted(found.sample))
                if found.sample:
                    samples[(name, col["name"])] = found.sample
                counted[(name, col["name"])] = (found.counts or {}, found.complete)
                if found.unique:
                    unique.add((name, col["name"]))
            elif kind == "number" and "INT" in type_name.upper():
                extra["levels"] = levels[col["name"]]
            elif kind == "date":
                extra["date_range"] = profile.date_range(conn, name, col["name"])
            columns.append(ColumnInfo(col["name"], type_name, kind, comment=col.get("comment") or None, **extra))
    return columns, samples, unique


#: (warehouse, table, its columns, its rows) -> its profile: a load that changes one table's rows
#: re-profiles that table only (see :func:`get_context`), the others are reused.
_tables: dict[tuple[str, str, str, int], tuple] = {}


def _profiled_table(engine: Engine, inspector, name: str, reuse: bool, store=None) -> tuple[tuple, list]:
    """One table's profile: (TableInfo, text samples, unique columns, value counts, declared keys), and its key.

    From memory, else from ``store`` (a file an earlier process or the last load wrote), else read.
    """
    rows = _row_count(engine, name)
    shape = ",".join(f"{c['name']} {c['type']}" for c in inspector.get_columns(name))
    url = engine.url.render_as_string(hide_password=True)
    key, stored_key = (url, name, shape, rows), [shape, rows]
    with _cache_lock:
        if reuse and key in _tables:
            return _tables[key], stored_key
    loaded = store.load(url, name, stored_key) if store is not None and reuse else None
    if loaded is not None:
        with _cache_lock:
            _tables[key] = loaded
        return loaded, stored_key
    counted: dict = {}
    columns, found, keys = _describe_columns(engine, name, rows, inspector, counted)
    pk = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
    info = TableInfo(name, tuple(columns), pk, rows, tuple(c for t, c in sorted(keys) if t == name))
    fks = [
        ForeignKey(name, fk["constrained_columns"][0], fk["referred_table"], fk["referred_columns"][0], False)
        for fk in inspector.get_foreign_keys(name)
        if len(fk["constrained_columns"]) == 1
    ]
    profiled = (info, found, keys, counted, fks)
    with _cache_lock:
        for old in [k for k in _tables if k[:2] == key[:2]]:
            del _tables[old]  # the table's earlier profile, before this load
        _tables[key] = profiled
    if store is not None:
        store.save(url, stored_key, profiled)
    return profiled, stored_key


def build_context(engine: Engine, allowed: set[str], *, reuse: bool = False, store=None) -> SchemaContext:
    """Read and profile the allowed tables (a few quick GROUP BYs per column); ``reuse`` keeps the
    profiles of tables whose columns and row count are unchanged since they were last read."""
    inspector = sa.inspect(engine)
    tables: dict[str, TableInfo] = {}
    declared: list[ForeignKey] = []
    samples: dict[tuple[str, str], list[str]] = {}
    unique: set[tuple[str, str]] = set()
    counted: dict = {}
    table_keys: dict[str, list] = {}
    for name in sorted(allowed):
        profiled, table_keys[name] = _profiled_table(engine, inspector, name, reuse, store)
        info, found, keys, table_counts, table_fks = profiled
        tables[name] = info
        samples.update(found)
        unique |= keys
        counted.update(table_counts)
        declared += [fk for fk in table_fks if fk.ref_table in allowed]
    inferred = _infer_foreign_keys(engine, tables, declared)
    inferred += _value_foreign_keys(engine, tables, declared + inferred, samples, unique)
    return SchemaContext(
        engine.dialect.name,
        tables,
        tuple(declared + inferred),
        fingerprint(engine, allowed),
        engine=engine,
        samples=counted,
        store=store,
        table_keys=table_keys,
    )


def _value_foreign_keys(
    engine: Engine, tables: dict[str, TableInfo], known_fks: list[ForeignKey], samples: dict, unique: set
) -> list[ForeignKey]:
    """References found from values alone (see :mod:`.schema_profile`), after declared and named ones."""
    keys = {(t, c) for t, c in unique} | {
        (t.name, t.primary_key[0])
        for t in tables.values()
        if len(t.primary_key) == 1 and t.column(t.primary_key[0]).kind == "text" and t.row_count <= MAX_KEY_ROWS
    }
    with engine.connect() as conn:
        key_sets = {key: profile.key_values(conn, *key) for key in sorted(keys)}
        known = {(fk.table, fk.column) for fk in known_fks}
        found = profile.value_references(samples, key_sets, keys, known, VALUE_FK_OVERLAP)
        found += profile.integer_references(conn, tables, known, VALUE_FK_OVERLAP, MAX_KEY_ROWS, FK_SAMPLE)
    return [ForeignKey(t, c, rt, rc, inferred=True, overlap=share) for t, c, rt, rc, share in found]


_cache: dict[tuple[str, frozenset[str]], tuple[float, SchemaContext]] = {}
_cache_lock = threading.Lock()


def get_context(engine: Engine, allowed: set[str], *, force: bool = False, store=None) -> SchemaContext:
    """The cached context for these tables; the schema is re-fingerprinted at most every 30 s.

    ``store`` (a :class:`.context_cache.ProfileStore`) keeps table profiles and value lists between starts.
    """
    key = (engine.url.render_as_string(hide_password=True), frozenset(allowed))
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached and not force:
        checked_at, context = cached
        if now - checked_at < FINGERPRINT_TTL_S:
            return context
        if fingerprint(engine, allowed) == context.fingerprint and not _rows_changed(engine, context):
            with _cache_lock:
                _cache[key] = (now, context)
            return context
    context = build_context(engine, allowed, reuse=not force, store=store)
    with _cache_lock:
        _cache[key] = (now, context)
    return context


def forget_cached() -> None:
    """Drop what this process remembers of every warehouse, as a restart does (the files of a store stay)."""
    with _cache_lock:
        _cache.clear()
        _tables.clear()


def _rows_changed(engine: Engine, context: SchemaContext) -> bool:
    """Whether a load changed any table's row count since the context was built (then only it is re-read)."""
    return any(_row_count(engine, name) != info.row_count for name, info in context.tables.items())
