"""From what the words meant (:class:`~.reading.Words`) to a :class:`Plan`: table, measure,
groupings, filters, comparisons, time and ranking, each step refusing when unsure.
"""

from __future__ import annotations

from datetime import date

from elt_project.analytics.nl2sql import columns as lookup
from elt_project.analytics.nl2sql import guards, linking
from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.comparing import add_comparisons, comparison_targets
from elt_project.analytics.nl2sql.defaults import default_measure_cols
from elt_project.analytics.nl2sql.grammar import NotUnderstood, Reading, spell_out_comparatives
from elt_project.analytics.nl2sql.reading import (
    Words,
    comparisons,
    numbered_values,
    read_words,
    settle_partial,
    top_n,
)
from elt_project.analytics.nl2sql.roles import choose_roles
from elt_project.analytics.nl2sql.rowcount import counted_key, refuse_guessed_row_count, repeats
from elt_project.analytics.nl2sql.sqlbuild import Col, Dim, Filter, Measure, Plan
from elt_project.analytics.nl2sql.timecolumns import add_time
from elt_project.analytics.nl2sql.timewindows import TimeSpec, extract_time
from elt_project.analytics.nl2sql.vocabulary import ValueMatch
from elt_project.analytics.schema_context import SchemaContext

_SPOKEN = {"sum": "total", "avg": "average", "min": "minimum", "max": "maximum"}


def read_question(reading: Reading, context: SchemaContext, today: date, *, by_meaning: bool = True) -> Plan:
    """The whole reading of one normalised question.

    Words left unplaced are compared with the columns by meaning (:func:`.linking.semantic_link`);
    when each finds one clear column the question is read again with them named.
    """
    if not reading.text:
        raise NotUnderstood("the question is empty.", [])
    start_text, start_understood = reading.text, list(reading.understood)
    reading.text = spell_out_comparatives(reading.text)
    linked = linking.rewrite(reading.text, context)
    reading.text = linked.text
    reading.understood += [f"linked {said}" for said in linked.said]
    time = extract_time(reading.text, today)
    for span in time.spans or []:
        reading.blank(span)
    if time.window:
        reading.understood.append(f"time: {time.window.label}")
    if time.periods:
        reading.understood.append("comparing " + " with ".join(w.label for w in time.periods))
    if time.bucket:
        reading.understood.append(f"trend by {time.bucket}")
    order, limit = top_n(reading)
    compares = comparisons(reading, context)
    values = vocab.find_values(reading.text, context, reading.original)
    numbered = numbered_values(reading, context)
    for match in values:
        reading.blank(match.span)
    guards.refuse_unplaced_numbers(reading)
    guards.refuse_unwritten_values(reading, context)
    words = read_words(reading.text, context, values, limit)
    settle_partial(words)
    if words.ambiguous:
        raise NotUnderstood("; ".join(words.ambiguous) + ".", reading.understood)
    if words.dropped:
        guards.refuse_unmatched_value(words.dropped, context, reading)
    if words.agg is None and linked.implied_agg:
        words.agg = linked.implied_agg
    compared, grouped_having = comparison_targets(compares, words)
    measure_cols = words.candidates[0][0] if words.candidates else []
    if words.entity and any(c.table == words.entity for c in measure_cols):  # "taxi trip distance": the trips' one
        measure_cols = sorted(measure_cols, key=lambda c: c.table != words.entity)
    guards.refuse_guessed_second_measure(words, reading)
    # "which title sells best" ranks by the default measure; "sold the fewest pizzas" counts the pizzas it names
    selling = words.selling and (words.superlative or limit) and not words.entity_word
    defaulted = False  # "top 2 pizzas by number sold" counts: a named count takes no default measure
    if not measure_cols and words.agg != "count" and (words.wants_measure or selling):
        measure_cols = default_measure_cols(reading, context, lookup.fact_tables(context))
        defaulted = bool(measure_cols)
    if words.unknown:
        if by_meaning and (text := guards.by_meaning(start_text, words.unknown, context, reading)):
            again = Reading(
                text,
                start_understood,
                reading.original,
                reading.by_meaning,
                reading.terms,
                reading.glossary,
                notes=reading.notes,  # choices made by meaning ("'employees' read as the rows of staff")
                said_as=reading.said_as,
            )
            return read_question(again, context, today, by_meaning=False)
        unknown = ", ".join(repr(w) for w in words.unknown)
        raise NotUnderstood(f"I do not know what {unknown} refer(s) to in this data.", reading.understood)

    ranking = bool(limit or words.superlative or grouped_having)
    if ranking and not words.dims and words.row_names:  # "states with the highest poverty": name each one
        words.dims.append(words.row_names)
    named = [cols for cols in compared if cols] + [cols for cols, _ in words.dims] + [cols for cols, _ in numbered]
    named += [words.counted_dim[0]] if words.counted_dim else []
    named += [words.row_names[0]] if words.row_names and not words.dims else []
    base = _choose_base(words, measure_cols, time, values, ranking, context, reading, named)
    if defaulted and words.agg == "avg" and (key := counted_key(words, base, context, reading)):
        raise NotUnderstood(  # "average order value" over order lines: a row's value is not an order's
            f"{words.entity_word!r} are not the rows of {base} ({key} repeats across them), so I cannot take "
            f"an average {vocab.singular(words.entity_word or '')} value; ask for the total by {key}.",
            reading.understood,
        )
    expression = next((t for t in reading.terms if t.kind == "expression"), None)
    if expression is not None:
        if measure_cols:
            raise NotUnderstood(f"{expression.term!r} is already a measure; ask for one measure.", reading.understood)
        base = expression.table
    plan = Plan(base=base, roles=dict(words.roles))
    for term in reading.terms:
        if term.table != base:
            raise NotUnderstood(f"{term.term!r} is defined on {term.table}, not on {base}.", reading.understood)
        if term.kind == "filter":
            plan.raw_filters.append(term.definition)
        elif plan.measures:
            raise NotUnderstood("the question names two glossary measures; ask for one.", reading.understood)
        else:
            plan.measures.append(Measure("expr", None, term.term.replace(" ", "_"), sql=term.definition))
    if ranking and not words.dims and words.entity and words.entity != base:
        label = lookup.label_column(context, words.entity)
        if label:
            words.dims.append(([label], words.entity_word or words.entity))
            words.entity = None
            if not measure_cols and not plan.measures:  # "top 5 products": by the table's default measure
                measure_cols = default_measure_cols(reading, context, [base], plan)
                if not measure_cols and not plan.measures:
                    choices = " or ".join(f"'by {c.name}'" for c in vocab.measures(context.tables[base], context)[:3])
                    raise NotUnderstood(
                        f"I could not tell what to rank by; say it ({choices or 'by a measure'}) "
                        "or give the measure a glossary term.",
                        reading.understood,
                    )
    names_asked = limit or reading.original.lower().lstrip().startswith(("which ", "what "))  # not "most expensive"
    if names_asked and not words.dims and words.entity == base and (label := _repeated_label(base, words, context)):
        words.dims.append(([label], words.entity_word or base))  # "top 3 pizzas": one row per pizza sold, by name
        reading.understood.append(f"each {words.entity_word or base} by {label.column}")
    _add_measure(plan, words, measure_cols, context, reading)
    _add_dims_and_filters(plan, words, values, context, reading)
    for cols, number in numbered:  # "plot 12", "hour 8"
        col = lookup.pick(cols, plan.base, context)
        if col is None:
            raise NotUnderstood(f"I cannot relate {cols[0].column} {number} to {plan.base}.", reading.understood)
        plan.filters.append(Filter(col, "in", [number]))
        reading.understood.append(f"{col.table}.{col.column} = {number}")
    add_comparisons(plan, compares, compared, words, context, reading)
    add_time(plan, time, context, reading)
    _add_ranking(plan, order, limit, words, reading)
    choose_roles(plan, values, context, reading)
    guards.refuse_which_without_names(plan, reading)
    guards.check_join_roles(plan, context, reading)
    plan.notes = list(dict.fromkeys(reading.notes))
    return plan


def _choose_base(
    words: Words, measure_cols: list[Col], time: TimeSpec, values: list[ValueMatch], ranking: bool,
    context: SchemaContext, reading: Reading, named: list[list[Col]] = (),
) -> str:  # fmt: skip
    """The table to read from: where the measure lives, else the counted entity, else the table that
    reaches every named column and value (facts first), else the biggest fact."""
    facts = lookup.fact_tables(context)
    entity = words.entity
    timed = bool(time.window or time.periods or time.bucket)

    def fact_for(table: str) -> str:
        return next((f for f in facts if lookup.reachable(context, f, table)), table)  # none reaches it: its own

    wanted = [cols for cols in named] + [[Col(m.table, m.column) for m in values if m.value == v.value] for v in values]
    if measure_cols:
        return _measure_table(measure_cols, entity, wanted, context, reading)
    if entity and ranking and facts and not vocab.measures(context.tables[entity], context):
        return fact_for(entity)
    if (
        entity
        and values
        and not timed
        and all(any(v.table == entity and v.value == m.value for v in values) for m in values)
    ):
        return entity
    other_dim = words.dims and not any(c.table == entity for c in words.dims[0][0])
    if entity and facts and (timed or any(m.table != entity for m in values) or other_dim):
        if timed and fact_for(entity) != entity and (own := lookup.own_year(context, entity)):
            raise NotUnderstood(  # "movies after 2010": the year they came out, or the year they were rated?
                f"the time could be {entity}.{own} or the dates of {fact_for(entity)}; say which.", reading.understood
            )
        return fact_for(entity)
    if entity:
        return entity
    if wanted:
        ordered = facts + sorted(
            (t for t in context.tables if t not in facts), key=lambda t: -context.tables[t].row_count
        )
        for table in ordered:
            if all(any(lookup.reachable(context, table, col.table) for col in cols) for cols in wanted):
                return table
    if facts:
        return facts[0]
    raise NotUnderstood("I found no table with dates and measures to answer from.", reading.understood)


def _repeated_label(base: str, words: Words, context: SchemaContext) -> Col | None:
    """The column naming what the rows are ("name", or "pizza_name" for "pizzas") when rows repeat it (sales
    lines naming the pizza): rank the names. A ``product_name`` on order lines names products, not orders."""
    label = lookup.label_column(context, base)
    noun = vocab.singular(words.entity_word or "")
    if label is None or label.column.lower() not in ("name", f"{noun}_name", f"{vocab.entity_name(base)}_name"):
        return None
    return label if repeats(context, base, label.column) else None


def _measure_table(
    measure_cols: list[Col], entity: str | None, wanted: list[list[Col]], context: SchemaContext, reading: Reading
) -> str:
    """The table of the measure; a column of that name in several tables is chosen by what else the question
    names (its table, a value, a grouping), else refused: "average distance" of trips or of flights."""
    first = measure_cols[0]
    tables = list(dict.fromkeys(c.table for c in measure_cols if c.column == first.column))
    related = [
        t
        for t in tables
        if entity is None or lookup.reachable(context, t, entity) or lookup.reachable(context, entity, t)
    ]
    if not related:  # "total price of rides" where only another table has a price
        raise NotUnderstood(
            f"{first.column} is a column of {tables[0]}, which I cannot relate to {entity}.", reading.understood
        )
    if len(tables) == 1 or entity in tables:
        return entity if entity in tables else first.table
    fitting = [t for t in tables if all(any(lookup.reachable(context, t, c.table) for c in cols) for cols in wanted)]
    if wanted and len(fitting) == 1:
        return fitting[0]
    raise NotUnderstood(
        f"{first.column} is a column of {' and of '.join(tables)}; say which (e.g. '{first.column} of "
        f"{vocab.entity_name(tables[0])}').",
        reading.understood,
    )


def _add_measure(plan: Plan, words: Words, measure_cols: list[Col], context: SchemaContext, reading: Reading) -> None:
    base = plan.base
    if plan.measures:  # a glossary expression
        return
    if words.counted_dim and measure_cols:
        raise NotUnderstood(
            f"I could not tell whether to count {words.counted_dim[1]!r} or to measure {measure_cols[0].column}.",
            reading.understood,
        )
    if words.counted_dim and words.counted_dim[1] in reading.by_meaning:
        token = words.counted_dim[1]  # "how many animals" read as species by meaning: the rows, or the species?
        raise NotUnderstood(
            f"{reading.said_as.get(token, token)!r} may be {token[1:]} only by meaning; I could not tell whether "
            f"to count rows or distinct {token[1:]} values.",
            reading.understood,
        )
    if words.counted_dim:
        cols, _word = words.counted_dim  # "how many countries (for each continent)": distinct values of a column
        col = lookup.pick(cols, base, context)
        if col is None:
            raise NotUnderstood(f"I cannot relate {_word!r} to {base}.", reading.understood)
        plan.measures.append(Measure("distinct", col, f"distinct_{col.column}"))
        reading.understood.append(f"distinct {col.table}.{col.column}")
        return
    if words.distinct and not measure_cols and words.entity is None and words.dims:
        cols, _word = words.dims.pop(0)  # "how many different categories": distinct values of a column
        col = lookup.pick(cols, base, context)
        if col is not None:
            plan.measures.append(Measure("distinct", col, f"distinct_{col.column}"))
            reading.understood.append(f"distinct {col.table}.{col.column}")
            return
    if measure_cols:
        measure = next((c for c in measure_cols if c.table == base), measure_cols[0])
        chosen = words.agg if words.agg in ("sum", "avg", "min", "max") else "sum"
        if context.tables[measure.table].column(measure.column).kind == "date" and chosen not in ("min", "max"):
            raise NotUnderstood(
                f"{measure.column} is a date: I can give the earliest or the latest, not a {chosen}.",
                reading.understood,
            )
        label = f"{chosen}_{measure.column}" if chosen != "sum" else f"total_{measure.column}"
        plan.measures.append(Measure(chosen, measure, label))
        reading.understood.append(f"{_SPOKEN[chosen]} {measure.table}.{measure.column}")
    elif words.entity == base:
        refuse_guessed_row_count(words, base, context, reading)
        if key := counted_key(words, base, context, reading):
            plan.measures.append(Measure("distinct", Col(base, key), f"distinct_{key}"))
            reading.understood.append(f"distinct {base}.{key}")
            return
        plan.measures.append(Measure("count", None, f"{vocab.entity_name(base).replace(' ', '_')}_count"))
        reading.understood.append(f"count of {base} rows")
    elif words.entity:
        fk = next(fk for fk in context.references(base) if fk.ref_table == words.entity)
        plan.measures.append(Measure("distinct", Col(base, fk.column), f"distinct_{fk.column}"))
        reading.understood.append(f"distinct {base}.{fk.column}")
    elif words.agg == "count" or (not words.agg and words.dims):
        plan.measures.append(Measure("count", None, "row_count"))
        reading.understood.append(f"count of {base} rows")
    else:
        raise NotUnderstood(
            "I could not tell what to measure (revenue, quantity, number of orders…).", reading.understood
        )


def _add_dims_and_filters(
    plan: Plan, words: Words, values: list[ValueMatch], context: SchemaContext, reading: Reading
) -> None:
    for cols, word in words.dims:
        col = lookup.pick(cols, plan.base, context)
        if col is None:
            raise NotUnderstood(f"I cannot relate {word!r} to {plan.base}.", reading.understood)
        plan.dims.append(Dim(col, col.column))
        reading.understood.append(f"by {col.table}.{col.column}")
    by_column: dict[Col, list] = {}
    for match in values:
        holders = list(dict.fromkeys(Col(m.table, m.column) for m in values if m.value == match.value))
        named = [c for c in holders if c in words.value_columns]
        holders = named if len(named) == 1 else holders  # "no tip": tip = 'no', not local = 'no'
        on_base = [c for c in holders if c.table == plan.base] or _distinct_holders(holders, plan.base, context)
        if len(on_base) > 1 and not any(d.col in on_base for d in plan.dims):
            shown = " or ".join(f"{c.table}.{c.column} = {match.value!r}" for c in on_base)
            raise NotUnderstood(f"{match.value!r} could be {shown}; say which.", reading.understood)
        col = lookup.pick(holders, plan.base, context)
        if col is None:
            raise NotUnderstood(f"I cannot relate {match.value!r} to {plan.base}.", reading.understood)
        if match.value not in by_column.setdefault(col, []):
            by_column[col].append(match.value)
    for col, found in by_column.items():
        plan.filters.append(Filter(col, "in", found))
        reading.understood.append(f"{col.table}.{col.column} in {found}")
        if len(found) > 1 and not any(d.col == col for d in plan.dims):
            plan.dims.append(Dim(col, col.column))  # "Apparel vs Toys": one row for each


def _distinct_holders(holders: list[Col], base: str, context: SchemaContext) -> list[Col]:
    """The columns holding a value that ``base`` reaches (none of them its own), a key and the column referring
    to it counted once: 'Rodent' as a genus and as a taxa of the species a capture refers to are two readings."""
    reached = [c for c in holders if lookup.reachable(context, base, c.table)]
    refs = {(fk.ref_table, fk.ref_column) for fk in context.foreign_keys if Col(fk.table, fk.column) in reached}
    return [c for c in reached if (c.table, c.column) not in refs]


def _add_ranking(plan: Plan, order: str | None, limit: int | None, words: Words, reading: Reading) -> None:
    superlative = words.superlative
    if limit:
        plan.order, plan.limit = (superlative or "desc") if order == "superlative" else order, limit
        if not plan.dims:
            raise NotUnderstood("a top-N needs something to rank (products, regions…).", reading.understood)
    elif superlative and plan.dims:
        plural = any(_plural(word) for _, word in words.dims) and not words.one_named
        plan.order, plan.limit = superlative, 10 if plural else 1  # "best customers": a short list
        reading.understood.append("the highest" if superlative == "desc" else "the lowest")
    elif superlative and plan.measures[0].agg == "sum" and words.agg is None:
        plan.measures[0] = Measure("max" if superlative == "desc" else "min", plan.measures[0].col, "value")


def _plural(word: str) -> bool:
    """An English plural ("customers"), not a singular that ends in s ("genus", "status", "class", "basis")."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is")) and vocab.singular(word) != word


def last_understood(plan: Plan) -> str:
    """A one-line reading of a plan, for the answer's explanation."""
    parts = [f"{m.label}" for m in plan.measures]
    if plan.dims:
        parts.append("by " + ", ".join(d.label for d in plan.dims))
    for flt in plan.filters:
        parts.append(f"where {flt.col.column} {flt.op} {', '.join(str(v) for v in flt.values)}")
    parts += [f"where {sql}" for sql in plan.raw_filters]
    for flt in plan.having:
        parts.append(f"keeping groups with {plan.measures[0].label} {flt.op} {flt.values[0]}")
    if plan.window:
        parts.append(f"in {plan.window.label} ({plan.date_col.column})")
    if plan.periods:
        parts.append("comparing " + " and ".join(w.label for w in plan.periods))
    if plan.limit:
        parts.append(f"{'top' if plan.order == 'desc' else 'bottom'} {plan.limit}")
    parts += [f"{table} through {column}" for table, column in plan.roles.items()]
    return f"Read from {plan.base}: " + "; ".join(parts + plan.notes) + "."
