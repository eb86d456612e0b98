"""What an NL→SQL engine may know about the warehouse, built from the database itself.

For each allow-listed table: columns with a coarse kind (text, number, date), the
primary key, foreign keys (declared, or inferred from matching names whose values
overlap), and the distinct values of low-cardinality text columns, so a question's
"west" maps to ``region = 'West'`` whatever its case. The context is cached per
warehouse and rebuilt when the allowed tables' columns change.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: A text column with at most this many distinct values has them profiled.
MAX_PROFILED_VALUES = 60
#: Share of a column's sampled values that must exist in the referenced key.
FK_OVERLAP = 0.9
FINGERPRINT_TTL_S = 30.0


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type_name: str
    kind: str  # text | number | date | other
    values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str
    ref_table: str
    ref_column: str
    inferred: bool


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...]
    row_count: int

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class SchemaContext:
    dialect: str
    tables: dict[str, TableInfo]
    foreign_keys: tuple[ForeignKey, ...]
    fingerprint: str = ""
    built_at: float = field(default_factory=time.time)

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
                how = "inferred" if fk.inferred else "declared"
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


def _quoted(engine: Engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


def _profile(engine: Engine, table: str, column: str) -> tuple[str, ...] | None:
    t = sa.table(table, sa.column(column))
    query = sa.select(t.c[column]).where(t.c[column].is_not(None)).group_by(t.c[column]).limit(MAX_PROFILED_VALUES + 1)
    with engine.connect() as conn:
        values = [str(v) for v in conn.execute(query).scalars()]
    return tuple(sorted(values)) if len(values) <= MAX_PROFILED_VALUES else None


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


def _name_matches(column: str, ref_table: str, ref_column: str) -> bool:
    """``customer_id`` ~ customers.customer_id; ``product_sku`` ~ products.sku; ``sku`` ~ products.sku."""
    col, key = column.lower(), ref_column.lower()
    if col == key:
        return True
    entity = ref_table.lower()
    for prefix in ("dim_", "fact_", "dest_", "tbl_"):
        entity = entity.removeprefix(prefix)
    singular = entity[:-1] if entity.endswith("s") else entity
    return col in (f"{singular}_{key}", f"{entity}_{key}", f"{singular}{key}") or (
        col.endswith(f"_{key}") and col.startswith(singular)
    )


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
                    _name_matches(column.name, ref.name, key)
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


def build_context(engine: Engine, allowed: set[str]) -> SchemaContext:
    """Read and profile the allowed tables (a few quick GROUP BYs per table)."""
    inspector = sa.inspect(engine)
    tables: dict[str, TableInfo] = {}
    declared: list[ForeignKey] = []
    for name in sorted(allowed):
        columns = []
        for col in inspector.get_columns(name):
            kind = column_kind(col["type"])
            values = _profile(engine, name, col["name"]) if kind == "text" else None
            columns.append(ColumnInfo(col["name"], str(col["type"]), kind, values))
        pk = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
        tables[name] = TableInfo(name, tuple(columns), pk, _row_count(engine, name))
        for fk in inspector.get_foreign_keys(name):
            if fk["referred_table"] in allowed and len(fk["constrained_columns"]) == 1:
                declared.append(
                    ForeignKey(
                        name, fk["constrained_columns"][0], fk["referred_table"], fk["referred_columns"][0], False
                    )
                )
    inferred = _infer_foreign_keys(engine, tables, declared)
    return SchemaContext(engine.dialect.name, tables, tuple(declared + inferred), fingerprint(engine, allowed))


_cache: dict[tuple[str, frozenset[str]], tuple[float, SchemaContext]] = {}
_cache_lock = threading.Lock()


def get_context(engine: Engine, allowed: set[str], *, force: bool = False) -> SchemaContext:
    """The cached context for these tables; the schema is re-fingerprinted at most every 30 s."""
    key = (engine.url.render_as_string(hide_password=True), frozenset(allowed))
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached and not force:
        checked_at, context = cached
        if now - checked_at < FINGERPRINT_TTL_S:
            return context
        if fingerprint(engine, allowed) == context.fingerprint:
            with _cache_lock:
                _cache[key] = (now, context)
            return context
    context = build_context(engine, allowed)
    with _cache_lock:
        _cache[key] = (now, context)
    return context
