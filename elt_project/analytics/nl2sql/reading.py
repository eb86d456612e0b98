"""The reading of one question, step by step, into a :class:`Plan` (see :mod:`.parser`)."""

from __future__ import annotations

import re
from datetime import date

from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.parser import (
    _COMPARATORS,
    _COMPARE,
    _GROUP_CUES,
    _NUM,
    _ROW_WORDS,
    _TOP,
    NotUnderstood,
    _dimension_columns,
    _entity_table,
    _fact_tables,
    _label_column,
    _measure_columns,
    _number,
    _pick,
    _reachable,
    _Reading,
)
from elt_project.analytics.nl2sql.sqlbuild import Col, Dim, Filter, Measure, Plan
from elt_project.analytics.nl2sql.timewindows import extract_time
from elt_project.analytics.schema_context import SchemaContext


def _top_n(reading: _Reading) -> tuple[str | None, int | None]:
    m = _TOP.search(reading.text)
    if not m:
        return None, None
    word, count = (m[1], m[2]) if m[1] else (m[4], m[3])
    n = int(count) if count.isdigit() else _NUM[count]
    order = "asc" if word in vocab.ASCENDING or word in ("worst", "bottom") else "desc"
    if word == "last":
        return None, None
    reading.blank(m.span(2) if m[1] else m.span(3))
    if m[1]:
        reading.blank(m.span(1))
    else:
        reading.blank(m.span(4))
    reading.understood.append(f"{'top' if order == 'desc' else 'bottom'} {n}")
    return order, n


def _comparisons(reading: _Reading) -> list[tuple[str, float, int]]:
    found = []
    for m in list(_COMPARE.finditer(reading.text)):
        found.append((_COMPARATORS[m[1]], _number(m[2], m[3]), m.start()))
        reading.blank(m.span())
    for m in list(re.finditer(r"\b(\d[\d,]*(?:\.\d+)?)\s+or\s+(more|less|fewer|greater|higher)\b", reading.text)):
        found.append((">=" if m[2] in ("more", "greater", "higher") else "<=", _number(m[1], None), m.start()))
        reading.blank(m.span())
    return found


def _phrases(text: str) -> list[tuple[str, int]]:
    """Words with their positions, two-word phrases first where they name something."""
    return [(m[0], m.start()) for m in re.finditer(r"[a-z][a-z0-9'&-]*", text)]


def read_question(reading: _Reading, context: SchemaContext, today: date) -> Plan:
    text = reading.text
    if not text:
        raise NotUnderstood("the question is empty.", [])
    facts = _fact_tables(context)
    time = extract_time(text, today)
    for span in time.spans or []:
        reading.blank(span)
    if time.window:
        reading.understood.append(f"time: {time.window.label}")
    if time.periods:
        reading.understood.append("comparing " + " with ".join(w.label for w in time.periods))
    if time.bucket:
        reading.understood.append(f"trend by {time.bucket}")
    order, limit = _top_n(reading)
    comparisons = _comparisons(reading)
    values = vocab.find_values(reading.text, context)
    for match in values:
        reading.blank(match.span)
    words = _phrases(reading.text)
    tokens = [w for w, _ in words]

    agg: str | None = None
    distinct = False
    measure_cols: list[Col] = []
    entity: str | None = None
    entity_word: str | None = None
    dims: list[tuple[list[Col], str]] = []
    unknown: list[str] = []
    superlative: str | None = None
    selling = False
    candidates: list[tuple[list[Col], str, int]] = []
    positions = [pos for _, pos in words]
    skip = set()
    for i, word in enumerate(tokens):
        if i in skip:
            continue
        previous = tokens[i - 1] if i else ""
        pair = f"{word} {tokens[i + 1]}" if i + 1 < len(tokens) else ""
        if (
            pair
            and (cols := _dimension_columns(pair, context))
            and (previous in _GROUP_CUES | {"and"} or limit or superlative)
        ):
            dims.append((cols, pair))
            skip.add(i + 1)
            continue
        if pair and (cols := _measure_columns(pair.replace(" ", "_"), context)):
            candidates.append((cols, pair, positions[i]))
            skip.add(i + 1)
            continue
        if word == "how" and i + 1 < len(tokens) and tokens[i + 1] in ("many", "much"):
            agg = agg or ("count" if tokens[i + 1] == "many" else "sum")
            skip.add(i + 1)
            continue
        if word in ("number", "count") and (i + 1 >= len(tokens) or tokens[i + 1] in ("of",) or i + 1 < len(tokens)):
            agg = agg if agg in ("distinct",) else "count"
            continue
        if word in vocab.AGGREGATES and word not in (
            "most",
            "least",
            "highest",
            "lowest",
            "largest",
            "biggest",
            "smallest",
            "greatest",
            "number",
            "many",
            "count",
        ):  # noqa: E501
            found = vocab.AGGREGATES[word]
            if found == "distinct":
                distinct = True
            else:
                agg = found
            continue
        if word in vocab.DESCENDING | vocab.ASCENDING | {"most", "least", "fewest", "greatest"}:
            superlative = "asc" if word in vocab.ASCENDING | {"fewest"} else "desc"
            continue
        dim_cols = _dimension_columns(word, context)
        entity_table = _entity_table(word, context)
        cue = (
            previous in _GROUP_CUES
            or (i > 1 and f"{tokens[i - 2]} {previous}" == "for each")
            or previous == "and"
            and dims
        )
        if dim_cols and (cue or (limit and not measure_cols and entity_table is None)):
            dims.append((dim_cols, word))
            continue
        if word in vocab.MEASURE_SYNONYMS and not (agg == "count" and word in ("sales",) and not measure_cols):
            cols = _measure_columns(word, context)
            if cols:
                candidates.append((cols, word, positions[i]))
                continue
        if entity_table is not None:
            if dim_cols and (limit or superlative) and entity is not None:
                dims.append((dim_cols, word))
            elif entity is None or (agg == "count" and entity_word in _ROW_WORDS):
                entity, entity_word = entity_table, word
            elif word in _ROW_WORDS and entity_word not in _ROW_WORDS and (limit or superlative):
                # "top 10 customers by number of orders": rank the first entity by counting the second
                if label := _label_column(context, entity):
                    dims.append(([label], entity_word))
                entity, entity_word = entity_table, word
            elif dim_cols:
                dims.append((dim_cols, word))
            continue
        if dim_cols:
            if any(m.column == c.column for m in values for c in dim_cols) or previous in ("the", "a", "in"):
                continue  # "the West region": the value already names the column
            dims.append((dim_cols, word))
            continue
        if (cols := _measure_columns(word, context)) and word not in vocab.STOPWORDS:
            candidates.append((cols, word, positions[i]))
            continue
        if word in vocab.STOPWORDS or word in _ROW_WORDS:
            if word in ("selling", "seller", "sellers", "sold") and superlative:
                selling = True
            continue
        unknown.append(word)

    # A measure word just before a comparison names the compared column ("quantity of at least 5").
    compared: list[list[Col] | None] = []
    for _op, _value, at in comparisons:
        near = [c for c in candidates if 0 <= at - c[2] <= 30]
        if near and (len(candidates) > 1 or entity is not None):
            candidates.remove(near[-1])
            compared.append(near[-1][0])
        else:
            compared.append(None)
    if candidates:
        measure_cols = candidates[0][0]
    elif selling:
        measure_cols = _measure_columns("revenue", context)
    if unknown:
        raise NotUnderstood(
            f"I do not know what {', '.join(repr(w) for w in unknown)} refer(s) to in this data.", reading.understood
        )  # noqa: E501

    # The table to read from: where the measure lives, else the counted entity, else the biggest fact.
    if measure_cols:
        base = measure_cols[0].table
    elif (
        entity
        and values
        and all(any(v.table == entity and v.value == m.value for v in values) for m in values)
        and not (time.window or time.periods or time.bucket)
    ):  # noqa: E501
        base = entity
    elif (
        entity
        and (
            time.window
            or time.periods
            or time.bucket
            or any(m.table != entity for m in values)
            or dims
            and not any(c.table == entity for c in dims[0][0])
        )
        and facts
    ):  # noqa: E501
        base = next((f for f in facts if _reachable(context, f, entity)), facts[0])
    elif entity:
        base = entity
    elif facts:
        base = facts[0]
    else:
        raise NotUnderstood("I found no table with dates and measures to answer from.", reading.understood)
    plan = Plan(base=base)
    info = context.tables[base]
    if (limit or superlative) and not dims and entity and entity != base and (label := _label_column(context, entity)):
        dims.append(([label], entity_word or entity))
        entity = None if measure_cols else entity

    # "How many different categories": the distinct values of a named column.
    if distinct and not measure_cols and entity is None and dims:
        cols, word = dims.pop(0)
        col = _pick(cols, base, context)
        if col is not None:
            plan.measures.append(Measure("distinct", col, f"distinct_{col.column}"))
            reading.understood.append(f"distinct {col.table}.{col.column}")
    # The measure.
    if plan.measures:
        pass
    elif measure_cols:
        measure = measure_cols[0]
        chosen = agg if agg in ("sum", "avg", "min", "max") else "sum"
        plan.measures.append(
            Measure(chosen, measure, f"{chosen}_{measure.column}" if chosen != "sum" else f"total_{measure.column}")
        )
        spoken = {"sum": "total", "avg": "average", "min": "minimum", "max": "maximum"}[chosen]
        reading.understood.append(f"{spoken} {measure.table}.{measure.column}")
    elif entity:
        if entity == base:
            plan.measures.append(Measure("count", None, f"{vocab.entity_name(entity).replace(' ', '_')}_count"))
            reading.understood.append(f"count of {entity} rows")
        else:
            fk = next(fk for fk in context.references(base) if fk.ref_table == entity)
            plan.measures.append(Measure("distinct", Col(base, fk.column), f"distinct_{fk.column}"))
            reading.understood.append(f"distinct {base}.{fk.column}")
    elif agg in ("count",) or (not agg and dims):
        plan.measures.append(Measure("count", None, "row_count"))
        reading.understood.append(f"count of {base} rows")
    else:
        raise NotUnderstood(
            "I could not tell what to measure (revenue, quantity, number of orders…).", reading.understood
        )

    # Dimensions.
    for cols, word in dims:
        col = _pick(cols, base, context)
        if col is None:
            raise NotUnderstood(f"I cannot relate {word!r} to {base}.", reading.understood)
        plan.dims.append(Dim(col, col.column))
        reading.understood.append(f"by {col.table}.{col.column}")

    # Filters from values found in the data.
    by_column: dict[str, list] = {}
    for match in values:
        col = _pick([Col(m.table, m.column) for m in values if m.value == match.value], base, context)
        if col is None:
            raise NotUnderstood(f"I cannot relate {match.value!r} to {base}.", reading.understood)
        key = f"{col.table}.{col.column}"
        if match.value not in by_column.setdefault(key, []):
            by_column[key].append(match.value)
    for key, found in by_column.items():
        table, column = key.split(".", 1)
        plan.filters.append(Filter(Col(table, column), "in", found))
        reading.understood.append(f"{key} in {found}")
        if len(found) > 1 and not any(d.col == Col(table, column) for d in plan.dims):
            plan.dims.append(Dim(Col(table, column), column))  # "Apparel vs Toys": one row for each

    # Numeric comparisons: on the measure's column per row, or on the aggregate when grouped.
    for (op, value, _), named in zip(comparisons, compared, strict=True):
        target = plan.measures[0]
        col = _pick(named, base, context) if named else None
        if col is not None:
            plan.filters.append(Filter(col, op, [value]))
            reading.understood.append(f"{col.column} {op} {value}")
        elif plan.dims and (target.agg != "count" or target.col is None) and entity_word not in _ROW_WORDS:
            plan.having.append(Filter(target.col or Col(base, "*"), op, [value]))
            reading.understood.append(f"{target.label} {op} {value}")
        elif target.col is not None:
            plan.filters.append(Filter(target.col, op, [value]))
            reading.understood.append(f"{target.col.column} {op} {value}")
        else:
            amount = _measure_columns("revenue", context)
            col = _pick(amount, base, context)
            if col is None:
                raise NotUnderstood("I cannot tell which number the comparison is about.", reading.understood)
            plan.filters.append(Filter(col, op, [value]))
            reading.understood.append(f"{col.column} {op} {value}")

    # Time.
    if time.window or time.periods or time.bucket:
        dates = vocab.date_columns(info)
        if not dates:
            raise NotUnderstood(f"{base} has no date column for the time you asked about.", reading.understood)
        plan.date_col = Col(base, dates[0].name)
        plan.window, plan.periods = time.window, time.periods
        if time.bucket:
            plan.dims.insert(0, Dim(plan.date_col, time.bucket, bucket=time.bucket))

    # Ranking.
    if limit:
        plan.order, plan.limit = order, limit
        if not plan.dims:
            raise NotUnderstood("a top-N needs something to rank (products, regions…).", reading.understood)
    elif superlative and plan.dims and not time.bucket:
        plan.order, plan.limit = superlative, 1
        reading.understood.append("the highest" if superlative == "desc" else "the lowest")
    elif superlative and not plan.dims and plan.measures[0].agg == "sum" and agg is None:
        plan.measures[0] = Measure("max" if superlative == "desc" else "min", plan.measures[0].col, "value")
    return plan


def last_understood(plan: Plan) -> str:
    """A one-line reading of a plan, for the answer's explanation."""
    parts = [f"{m.label}" for m in plan.measures]
    if plan.dims:
        parts.append("by " + ", ".join(d.label for d in plan.dims))
    for flt in plan.filters:
        parts.append(f"where {flt.col.column} {flt.op} {', '.join(str(v) for v in flt.values)}")
    for flt in plan.having:
        parts.append(f"keeping groups with {plan.measures[0].label} {flt.op} {flt.values[0]}")
    if plan.window:
        parts.append(f"in {plan.window.label} ({plan.date_col.column})")
    if plan.periods:
        parts.append("comparing " + " and ".join(w.label for w in plan.periods))
    if plan.limit:
        parts.append(f"{'top' if plan.order == 'desc' else 'bottom'} {plan.limit}")
    return f"Read from {plan.base}: " + "; ".join(parts) + "."
