"""A parsed question (:class:`Plan`) turned into one SELECT with SQLAlchemy Core.

Identifiers are quoted and values rendered as literals by SQLAlchemy for the
warehouse's dialect; the result still goes through the same safety check as any
other SQL before it runs. What differs per dialect is asked of ``db/``: date
buckets (:mod:`elt_project.db.date_buckets`, the same labels on every warehouse)
and the facts in :mod:`elt_project.db.dialect_traits`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from elt_project.analytics.nl2sql.timewindows import Window
from elt_project.analytics.schema_context import SchemaContext
from elt_project.db.date_buckets import date_bucket
from elt_project.db.dialect_traits import traits


@dataclass(frozen=True)
class Col:
    table: str
    column: str


@dataclass
class Measure:
    agg: str  # sum | avg | count | distinct | min | max | expr
    col: Col | None  # None: count of rows
    label: str
    sql: str | None = None  # a glossary expression (checked by sql_safety when saved and when run)


@dataclass
class Dim:
    col: Col
    label: str
    bucket: str | None = None


@dataclass
class Filter:
    col: Col
    op: str  # = | in | > | >= | < | <=
    values: list


@dataclass
class Plan:
    base: str
    measures: list[Measure] = field(default_factory=list)
    dims: list[Dim] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    having: list[Filter] = field(default_factory=list)
    date_col: Col | None = None
    window: Window | None = None
    periods: list[Window] | None = None
    #: Dimension table -> the base's column to join it through, where the base has several ("dest" for airports).
    roles: dict[str, str] = field(default_factory=dict)
    order: str | None = None  # desc | asc
    limit: int | None = None
    raw_filters: list[str] = field(default_factory=list)  # glossary conditions on the base table
    notes: list[str] = field(default_factory=list)  # choices the answer states (a default measure)


def _in_window(column, window: Window):
    return sa.and_(column >= window.start.isoformat(), column < window.end.isoformat())


def _decimal_scale(context: SchemaContext, col: Col | None) -> int:
    """Digits after the point of a ``NUMERIC(p, s)`` column (0 for any other type)."""
    info = context.tables[col.table].column(col.column) if col is not None else None
    found = re.search(r"\(\s*\d+\s*,\s*(\d+)\s*\)", info.type_name) if info is not None else None
    return int(found.group(1)) if found else 0


def _aggregate(measure: Measure, column, sum_scale: int = 0):
    """The measure's aggregate; a SQLite sum of a NUMERIC(p, s) column is rounded to its scale.

    SQLite keeps such values as floats, so their sum carries binary noise
    (2350126.5800000024) that the exact decimal sum (2350126.58) does not have.
    """
    if measure.sql is not None:
        return sa.literal_column(f"({measure.sql})")
    if measure.col is None:
        return sa.func.count()
    if measure.agg == "sum" and sum_scale:
        return sa.func.round(sa.func.sum(column), sum_scale)
    return {
        "sum": sa.func.sum,
        "avg": sa.func.avg,
        "count": sa.func.count,
        "min": sa.func.min,
        "max": sa.func.max,
    }.get(measure.agg, lambda c: sa.func.count(sa.distinct(c)))(column)


def _condition(column, flt: Filter):
    if flt.op == "in":
        return column.in_(flt.values) if len(flt.values) > 1 else column == flt.values[0]
    ops = {"=": column.__eq__, ">": column.__gt__, ">=": column.__ge__, "<": column.__lt__, "<=": column.__le__}
    return ops[flt.op](flt.values[0])


def build_sql(plan: Plan, context: SchemaContext, dialect: Dialect) -> str:
    """The plan as SQL text in ``dialect`` with literal values."""
    tables = {name: sa.table(name, *(sa.column(c.name) for c in info.columns)) for name, info in context.tables.items()}
    base = tables[plan.base]

    def column(col: Col):
        return tables[col.table].c[col.column]

    used = {c.table for c in plan_columns(plan)} - {plan.base}
    # A table only filtered on is a key lookup: ``code IN (SELECT key … WHERE name = …)`` gives the rows the
    # join would (the key is unique) without SQLite building an index over the whole fact table for it.
    lookups = used - {c.table for c in plan_columns(plan, filters=False)}
    source = base

    def reference(ref: str):  # the base's key into ``ref``: the role column the question chose, else the first
        refs = [fk for fk in context.references(plan.base) if fk.ref_table == ref]
        return next((fk for fk in refs if fk.column == plan.roles.get(ref)), refs[0])

    for ref in sorted(used - lookups):
        fk = reference(ref)
        source = source.join(tables[ref], base.c[fk.column] == tables[ref].c[fk.ref_column])

    selected: list[sa.ColumnElement[Any]] = []
    group_by: list[sa.ColumnElement[Any]] = []
    if plan.periods:
        date = column(plan.date_col)
        period = sa.case(*((_in_window(date, w), w.label) for w in plan.periods)).label("period")
        selected.append(period)
        group_by.append(period)
    for dim in plan.dims:
        expr = date_bucket(column(dim.col), dim.bucket, dialect) if dim.bucket else column(dim.col)
        labelled = expr.label(dim.label)
        selected.append(labelled)
        group_by.append(expr)

    def aggregate(m: Measure):
        scale = 0 if traits(dialect).exact_decimals else _decimal_scale(context, m.col)
        return _aggregate(m, column(m.col) if m.col else None, scale)

    aggregates = [aggregate(m).label(m.label) for m in plan.measures]
    selected.extend(aggregates)
    query = sa.select(*selected).select_from(source)
    conditions = [_condition(column(f.col), f) for f in plan.filters if f.col.table not in lookups]
    for ref in sorted(lookups):
        fk = reference(ref)
        wanted = [_condition(column(f.col), f) for f in plan.filters if f.col.table == ref]
        conditions.append(base.c[fk.column].in_(sa.select(tables[ref].c[fk.ref_column]).where(*wanted)))
    conditions += [sa.text(f"({sql})") for sql in plan.raw_filters]
    if plan.window is not None:
        conditions.append(_in_window(column(plan.date_col), plan.window))
    if plan.periods:
        conditions.append(sa.or_(*(_in_window(column(plan.date_col), w) for w in plan.periods)))
    if conditions:
        query = query.where(*conditions)
    if group_by:
        query = query.group_by(*group_by)
    for flt in plan.having:
        measure = next(m for m in plan.measures)
        query = query.having(_condition(aggregate(measure), flt))
    if plan.order and aggregates:
        # by the label, quoted as the dialect needs (a camelCase measure gives "avg_lifeExp")
        label = dialect.identifier_preparer.quote(aggregates[0].name)
        first = sa.literal_column(label) if traits(dialect).orders_by_label else aggregates[0].element
        ranked = first.desc() if plan.order == "desc" else first.asc()
        if traits(dialect).has_nulls_last:  # a group with no values is never "the highest" (PostgreSQL puts
            ranked = ranked.nulls_last()  # NULL first when descending; SQL Server, which lacks the clause, last)
        query = query.order_by(ranked, *group_by)
    elif group_by:
        query = query.order_by(*group_by)
    if plan.limit:
        query = query.limit(plan.limit)
    compiled = query.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)


def plan_columns(plan: Plan, *, filters: bool = True) -> list[Col]:
    """The columns a plan names (``filters=False``: those it reads, not only filters on)."""
    cols = [d.col for d in plan.dims] + ([f.col for f in plan.filters] if filters else [])
    cols += [m.col for m in plan.measures if m.col]
    return cols + ([plan.date_col] if plan.date_col else [])
