"""Filling NULL staging values from lookup tables before the rows are staged.

Each active ``data_enrichment_rules`` row for the staging table says: where
``target_column_to_enrich`` is NULL, look ``lookup_key_column_staging`` up in
``lookup_table.lookup_key_column_lookup`` and take ``lookup_value_column``.

The lookup tables are read ONCE per run — one query per (lookup table, key column),
selecting every value column the rules need — and then applied to each Arrow batch
in memory with vectorised ``index_in``/``take``/``coalesce``: no per-row or
per-batch queries. Keys are compared as text, because source files arrive as text
while lookup keys are often typed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.repository import load_enrichment_rules
from elt_project.pipeline.tables import reflect_table, require_column


@dataclass(frozen=True)
class _Fill:
    rule_name: str
    key_column: str  # staging column name
    target_column: str  # staging column name
    keys: pa.Array  # lookup keys as text
    values: pa.Array  # aligned values


class Enricher:
    """The rules of one staging table with their lookups loaded; apply to each batch."""

    def __init__(self, fills: list[_Fill]) -> None:
        self._fills = fills

    @property
    def target_columns(self) -> list[str]:
        return [f.target_column for f in self._fills]

    def apply(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Fill NULLs of each rule's target column; existing values are never overwritten."""
        for fill in self._fills:
            names = batch.schema.names
            if fill.key_column not in names:
                continue
            keys = batch.column(names.index(fill.key_column))
            if not pa.types.is_string(keys.type):
                keys = pc.cast(keys, pa.string())
            looked_up = pc.take(fill.values, pc.index_in(keys, value_set=fill.keys))
            if fill.target_column in names:
                index = names.index(fill.target_column)
                current = batch.column(index)
                if current.type != looked_up.type:
                    looked_up = _cast_like(looked_up, current.type)
                if current.type != looked_up.type:  # lookups the column's type cannot hold: both as text
                    current = pc.cast(current, pa.string())
                batch = batch.set_column(index, fill.target_column, pc.coalesce(current, looked_up))
            else:
                batch = batch.append_column(fill.target_column, looked_up)
        return batch


def _cast_like(values: pa.Array, type_: pa.DataType) -> pa.Array:
    """``values`` in the batch column's type, or as text when that type cannot hold them."""
    try:
        return pc.cast(values, type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pc.cast(values, pa.string())


def load_enricher(engine: Engine, staging: sa.Table, staging_table_name: str) -> Enricher:
    """Read the rules for ``staging`` and their lookup tables (one query per lookup table)."""
    rules = load_enrichment_rules(engine, staging_table_name)
    if not rules:
        return Enricher([])
    grouped: dict[tuple[str, str], list] = {}
    for rule in rules:
        grouped.setdefault((rule.lookup_table.lower(), rule.lookup_key_column_lookup.lower()), []).append(rule)
    fills: list[_Fill] = []
    with engine.connect() as conn:
        for rules_of_lookup in grouped.values():
            first = rules_of_lookup[0]
            context = f"Enrichment rule '{first.rule_name}'"
            lookup = reflect_table(
                conn, first.lookup_table, what=f"lookup table of enrichment rule '{first.rule_name}'"
            )
            key = require_column(lookup, first.lookup_key_column_lookup, context=context)
            value_columns = []
            for rule in rules_of_lookup:
                ctx = f"Enrichment rule '{rule.rule_name}'"
                value_columns.append(require_column(lookup, rule.lookup_value_column, context=ctx))
                require_column(staging, rule.lookup_key_column_staging, context=ctx)
                require_column(staging, rule.target_column_to_enrich, context=ctx)
            distinct_values = list(dict.fromkeys(value_columns))
            rows = conn.execute(sa.select(key, *distinct_values).where(key.is_not(None))).all()
            seen: dict[str, int] = {}
            for position, row in enumerate(rows):
                seen.setdefault(str(row[0]), position)  # first row wins for a repeated key
            positions = list(seen.values())
            keys = pa.array(list(seen.keys()), pa.string())
            for rule in rules_of_lookup:
                column_index = 1 + distinct_values.index(require_column(lookup, rule.lookup_value_column, context=""))
                values = _to_arrow([rows[p][column_index] for p in positions])
                fills.append(
                    _Fill(
                        rule.rule_name,
                        require_column(staging, rule.lookup_key_column_staging, context="").name,
                        require_column(staging, rule.target_column_to_enrich, context="").name,
                        keys,
                        values,
                    )
                )
    return Enricher(fills)


def _to_arrow(values: list) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())
