"""The profiling queries behind :mod:`.schema_context`, and join discovery from values.

Why values: warehouses filled from files rarely declare keys, and a fact table's role
columns (``origin`` and ``dest`` both holding airport codes) do not share the name of the
dimension's key (``faa``). A text column whose distinct values are (almost) all found in
another table's unique column refers to it, whatever the names say; the share found is
kept so the answer can say how sure the join is.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass
class ColumnProfile:
    """What one quick look at a column found."""

    sample: list[str] | None = None  # text: up to ``limit`` distinct values, None if empty
    complete: bool = False  # the sample holds every distinct value
    levels: int | None = None  # integer: distinct values when few
    date_range: tuple[str, str] | None = None
    unique: bool = False
    counts: dict[str, int] | None = None  # the sampled values (rows unknown: 0)


def _column(table: str, column: str, sample: int | None = None):
    """The column, or (``sample`` rows) the same column over the table's first rows.

    Why the first rows and not a random sample: reading them costs what they are, while
    ``ORDER BY random()`` or ``TABLESAMPLE`` (not in SQLite) would read or sort the table.
    """
    col = sa.table(table, sa.column(column)).c[column]
    if sample is None:
        return col
    return sa.select(col).limit(sample).subquery("sampled").c[column]


def text_profile(
    conn: Connection, table: str, column: str, limit: int, rows: int, max_key_rows: int, sample: int | None = None
) -> ColumnProfile:
    """Up to ``limit`` distinct values (all of them when there are no more); whether the column is unique.

    Not the most frequent ones: ordering a big table's groups by their size costs a sort
    the first question would wait for (the value index reads those in the background).
    """
    col = _column(table, column, sample)
    query = sa.select(col).where(col.is_not(None)).group_by(col).limit(limit + 1)
    found = [str(v) for v in conn.execute(query).scalars()]
    profile = ColumnProfile(sample=found[:limit], complete=len(found) <= limit and sample is None)
    profile.counts = dict.fromkeys(found[:limit], 0)
    if 1 < rows <= max_key_rows:
        distinct, filled = conn.execute(sa.select(sa.func.count(sa.distinct(col)), sa.func.count(col))).one()
        profile.unique = distinct == filled == rows
    return profile


def integer_levels(
    conn: Connection, table: str, columns: list[str], most: int, sample: int | None = None
) -> dict[str, int | None]:
    """Distinct values of each integer column, when at most ``most`` (in the first ``sample`` rows of a big table).

    One query for all of a table's integer columns: a scan per column was most of the
    time a million-row table took to profile.
    """
    if not columns:
        return {}
    source = sa.table(table, *(sa.column(c) for c in columns))
    if sample is not None:
        source = sa.select(*source.c).limit(sample).subquery("sampled")
    counted = conn.execute(sa.select(*(sa.func.count(sa.distinct(source.c[c])) for c in columns))).one()
    return {c: (int(n) if n <= most else None) for c, n in zip(columns, counted, strict=True)}


def date_range(conn: Connection, table: str, column: str) -> tuple[str, str] | None:
    col = _column(table, column)
    low, high = conn.execute(sa.select(sa.func.min(col), sa.func.max(col))).one()
    if low is None or high is None:
        return None

    def iso(value) -> str:
        return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]

    return iso(low), iso(high)


def key_values(conn: Connection, table: str, column: str) -> set[str]:
    col = _column(table, column)
    return {str(v) for v in conn.execute(sa.select(col).where(col.is_not(None))).scalars()}


def value_references(
    samples: dict[tuple[str, str], list[str]],
    keys: dict[tuple[str, str], set[str]],
    unique: set[tuple[str, str]],
    known: set[tuple[str, str]],
    threshold: float,
) -> list[tuple[str, str, str, str, float]]:
    """(table, column, ref_table, ref_column, overlap) for each text column that points at a key.

    A column refers to the key holding the largest share of its sampled values, if that
    share reaches ``threshold``. A column that is itself unique is a peer, not a reference;
    a column with one value says too little to be trusted.
    """
    found = []
    for (table, column), sample in samples.items():
        if (table, column) in known or (table, column) in unique or len(set(sample)) < 2:
            continue
        best = None
        for (ref_table, ref_column), values in keys.items():
            if ref_table == table:
                continue
            share = sum(v in values for v in sample) / len(sample)
            if share >= threshold and (best is None or share > best[4]):
                best = (table, column, ref_table, ref_column, round(share, 3))
        if best:
            found.append(best)
    return found


def name_matches(column: str, ref_table: str, ref_column: str) -> bool:
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


def integer_references(
    conn: Connection, tables, known: set[tuple[str, str]], threshold: float, max_key_rows: int, sample: int
) -> list[tuple[str, str, str, str, float]]:
    """(table, column, ref_table, ref_column, overlap) for integer columns that point at another table's
    unique integer column (``surveys.plot_id`` → ``plots.plot_id``, with no key declared).

    Containment alone is weak evidence between integers: ``month`` (1–12) lies inside any
    dense key 1…24, and user ids 1…671 inside movie ids that are dense at the low end. So
    where the key is dense over the referring values' range (more than half of those
    integers are keys) the names must agree as well (``plot_id`` ~ plots); where it is
    sparse (9 000 movie ids spread up to 160 000) the values alone are trusted. The
    referring column's sampled distinct values must reach ``threshold`` inside the key.
    """
    keys: dict[tuple[str, str], set[int]] = {}
    for table in tables.values():
        if not 1 < table.row_count <= max_key_rows:
            continue
        for column in (c for c in table.columns if c.integer):
            col = sa.table(table.name, sa.column(column.name)).c[column.name]
            distinct, filled = conn.execute(sa.select(sa.func.count(sa.distinct(col)), sa.func.count(col))).one()
            if distinct == filled == table.row_count:
                keys[(table.name, column.name)] = {int(v) for v in conn.execute(sa.select(col)).scalars()}
    found = []
    for table in tables.values():
        for column in (c for c in table.columns if c.integer):
            if (table.name, column.name) in known or (table.name, column.name) in keys:
                continue
            candidates = [ref for ref in keys if ref[0] != table.name]
            if not candidates:
                continue
            big = table.row_count > 100_000
            col = _column(table.name, column.name, 100_000 if big else None)  # a big table: its first rows
            query = sa.select(col).where(col.is_not(None)).distinct().limit(sample)
            values = [int(v) for v in conn.execute(query).scalars()]
            if len(values) < 2:
                continue
            shares = [(sum(v in keys[ref] for v in values) / len(values), ref) for ref in candidates]
            trusted = [
                (share, ref)
                for share, ref in shares
                if share >= threshold
                and (name_matches(column.name, *ref) or _chance(keys[ref], min(values), max(values)) <= 0.5)
            ]
            if trusted:
                share, ref = max(trusted)
                found.append((table.name, column.name, ref[0], ref[1], round(share, 3)))
    return found


def _chance(key: set[int], low: int, high: int) -> float:
    """The share of the integers low…high that are in ``key``: what containment would be by chance alone."""
    return sum(low <= v <= high for v in key) / (high - low + 1)
