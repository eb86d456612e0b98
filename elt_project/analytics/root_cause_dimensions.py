"""Which columns "why did it change" splits by, and how a column with many values stays affordable.

Every text column of the table is a candidate. A column with one value among the
compared rows says nothing, and one with about a value per row (an order number, a
free-text note) is an identifier, not a segment: both are left out, and the result
says so. A column with more than :data:`MAX_VALUES` values (a product, a customer) is
kept, with its values bucketed: the values whose own change is the most surprising
(change over the noise of a sum of that many rows) and the largest ones keep their
names, every other value becomes ``(other)``. One GROUP BY per such
column finds them, so the finest grain the main queries return stays bounded
however many values the column has. Columns beyond :data:`MAX_DIMENSIONS` (the
fewest values first) are left out, named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.tables import is_date_type, is_numeric_type, is_text_type

MAX_DIMENSIONS = 8
#: Values a column keeps by name; the rest are "(other)". A few hundred values keep the
#: finest grain small (each pair of columns is at most a few thousand segments).
MAX_VALUES = 200
#: Of those, this many are the most surprising movers; the rest the largest segments.
SURPRISING_VALUES = 150
#: Distinct values are counted on this many of the compared rows: counting them over
#: 300,000 rows (an order number's above all) costs more than the whole analysis.
SAMPLE_ROWS = 20_000
#: A column with more distinct values than this share of the compared rows is an identifier.
IDENTIFIER_SHARE = 0.5
OTHER = "(other)"
EMPTY = "(empty)"


@dataclass
class Dimensions:
    names: list[str] = field(default_factory=list)
    #: column -> the values kept by name (absent: every value kept)
    kept_values: dict[str, list[str]] = field(default_factory=dict)
    #: column -> why it was left out
    left_out: dict[str, str] = field(default_factory=dict)

    def key(self, table: sa.Table, name: str) -> sa.ColumnElement:
        """The GROUP BY expression of a dimension: the value as text, bucketed when it has too many."""
        text = sa.func.coalesce(sa.cast(table.c[name], sa.String), EMPTY)
        kept = self.kept_values.get(name)
        if kept is None:
            return text.label(name)
        return sa.case((text.in_(kept), text), else_=sa.literal(OTHER)).label(name)


def choose_dimensions(
    engine: Engine,
    table: sa.Table,
    value: sa.ColumnElement,
    current: sa.ColumnElement,
    baseline: sa.ColumnElement,
    exclude: set[str],
) -> Dimensions:
    """Pick and prepare the dimensions among the rows of both periods; explain every column left out."""
    result = Dimensions()
    candidates = []
    for col in table.c:
        if col.name in exclude:
            continue
        if is_text_type(col.type):
            candidates.append(col)
        elif is_date_type(col.type):
            result.left_out[col.name] = "a date or time, not a segment"
        elif is_numeric_type(col.type):
            result.left_out[col.name] = "a number (a measure, not a segment)"
        else:
            result.left_out[col.name] = "not a text column"
    if not candidates:
        return result
    sample = sa.select(*candidates).where(sa.or_(current, baseline)).limit(SAMPLE_ROWS).subquery()
    query = sa.select(sa.func.count(), *(sa.func.count(sa.distinct(sample.c[c.name])) for c in candidates))
    with engine.connect() as conn:
        rows, *counts = conn.execute(query).one()
    usable = []
    for n, col in zip(counts, candidates):
        if n < 2:
            result.left_out[col.name] = "one value only among the compared rows"
        elif n > MAX_VALUES and n > IDENTIFIER_SHARE * rows:
            result.left_out[col.name] = f"an identifier ({n:,} values in {rows:,} sampled rows)"
        else:
            usable.append((n, col.name))
    usable.sort()
    for _n, name in usable[MAX_DIMENSIONS:]:
        result.left_out[name] = f"more than {MAX_DIMENSIONS} segment columns; those with fewer values were used"
    for n, name in usable[:MAX_DIMENSIONS]:
        result.names.append(name)
        if n > MAX_VALUES:
            result.kept_values[name] = _telling_values(engine, table, name, value, current, baseline)
    order = list(table.c.keys())
    result.names.sort(key=order.index)
    return result


def _telling_values(engine, table, name, value, current, baseline) -> list[str]:
    """The column's most surprising movers and largest values, from one GROUP BY over both periods."""
    text = sa.func.coalesce(sa.cast(table.c[name], sa.String), EMPTY)
    value = sa.func.coalesce(value, 0.0)
    zero = sa.literal(0.0)
    query = (
        sa.select(
            text,
            sa.func.sum(sa.case((current, value), else_=zero)),
            sa.func.sum(sa.case((baseline, value), else_=zero)),
            sa.func.sum(value * value),
            sa.func.sum(sa.case((current, 1), else_=0)),
            sa.func.sum(sa.case((baseline, 1), else_=0)),
        )
        .where(sa.or_(current, baseline))
        .group_by(text)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=["value", "v1", "v0", "q", "n1", "n0"])
    for c in ("v1", "v0", "q", "n1", "n0"):
        frame[c] = pd.to_numeric(frame[c]).astype(float)
    n1, n0 = frame["n1"].sum() or 1.0, frame["n0"].sum() or 1.0
    # Surprise on the value and on the row count (a collapse of rows shows in both).
    value_surprise = (frame["v1"] - frame["v0"]).abs() / np.sqrt(frame["q"]).clip(lower=1e-9)
    expected = frame["n0"] * n1 / n0
    count_surprise = (frame["n1"] - expected).abs() / np.sqrt(frame["n1"] + expected).clip(lower=1.0)
    frame["surprise"] = np.maximum(value_surprise, count_surprise)
    frame["size"] = np.maximum(frame["v1"].abs(), frame["v0"].abs())
    surprising = frame.nlargest(SURPRISING_VALUES, "surprise")["value"].tolist()
    largest = [v for v in frame.nlargest(MAX_VALUES, "size")["value"] if v not in surprising]
    return [str(v) for v in surprising + largest[: MAX_VALUES - len(surprising)]]
