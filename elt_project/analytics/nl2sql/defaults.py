"""The measure a question means when it names none: "top 5 products", "which customers spent the most",
"the average order value", "orders above 500".

Why not a list of sales words: which number is *the* measure of a table is the warehouse's
business, and the same rule must serve a shop, a weather station and a hospital. In order:

1. The admins' glossary (:mod:`~elt_project.analytics.glossary`): the measure column its terms
   on the table name (the one most terms name), or its one expression on the table. An admin
   who writes "revenue = amount" has said which number the business counts in.
2. Otherwise the measure column the local sentence model (:mod:`.linking`) finds closest to
   "how much money", when it reaches :data:`MONEY_MIN` and leads the next one by
   :data:`MONEY_MARGIN`: money is what a business ranks by when it does not say.
3. Otherwise none, and the caller refuses in one sentence.

Whichever it is, the answer says so (see :attr:`DefaultMeasure.why`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.grammar import Reading
from elt_project.analytics.nl2sql.sqlbuild import Col, Measure, Plan
from elt_project.analytics.schema_context import SchemaContext

#: What "the measure" of a business table means when the question does not say.
MONEY_PROBE = "how much money"
#: The model's cosine similarity a column needs to the probe, and its lead over the next measure.
MONEY_MIN = 0.45
MONEY_MARGIN = 0.05


@dataclass(frozen=True)
class DefaultMeasure:
    """A column, or a glossary expression term, with the reason it was chosen (said in the answer)."""

    col: Col | None
    term: Any  # a glossary Term of kind "expression", or None
    why: str


def default_measure(context: SchemaContext, glossary, tables: list[str]) -> DefaultMeasure | None:
    """The measure of the first of ``tables`` that has one by the rules above, or None."""
    for table in tables:
        found = _from_glossary(context, glossary, table) or _most_money_like(context, table)
        if found is not None:
            return found
    return None


def _from_glossary(context: SchemaContext, glossary, table: str) -> DefaultMeasure | None:
    info = context.tables.get(table)
    if info is None:
        return None
    measures = {c.name for c in vocab.measures(info, context)}
    on_table = [t for t in glossary if t.table == table]
    named = Counter(t.definition for t in on_table if t.kind == "column" and t.definition in measures)
    if named:
        (best, count), *rest = named.most_common()
        if not rest or rest[0][1] < count:
            terms = sorted(t.term for t in on_table if t.definition == best)
            said = " and ".join(repr(t) for t in terms)
            return DefaultMeasure(Col(table, best), None, f"{best} taken as the measure (the glossary calls it {said})")
    expressions = [t for t in on_table if t.kind == "expression"]
    if len(expressions) == 1:
        term = expressions[0]
        return DefaultMeasure(None, term, f"measured as the glossary's {term.term!r} ({term.definition})")
    return None


def _most_money_like(context: SchemaContext, table: str) -> DefaultMeasure | None:
    from elt_project.analytics.nl2sql.linking import column_vectors, encode
    from elt_project.analytics.search import minilm

    info = context.tables.get(table)
    if info is None or not minilm.available():
        return None
    measures = {(table, c.name) for c in vocab.measures(info, context) if c.kind == "number"}
    columns, matrix = column_vectors(context)
    rows = [i for i, col in enumerate(columns) if col in measures]
    if not rows:
        return None
    scores = matrix[rows] @ encode(MONEY_PROBE)
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
    if best < MONEY_MIN or best - runner_up < MONEY_MARGIN:
        return None
    name = columns[rows[order[0]]][1]
    why = f"{name} taken as the measure (the closest in meaning to money; a glossary term can name another)"
    return DefaultMeasure(Col(table, name), None, why)


def default_measure_cols(
    reading: Reading, context: SchemaContext, tables: list[str], plan: Plan | None = None, *, columns_only=False
) -> list[Col]:
    """The default measure of the first of ``tables`` (:func:`default_measure`), said in the answer.

    A glossary expression goes into ``plan`` when there is one, else among the question's terms.
    """
    found = default_measure(context, reading.glossary, tables)
    if found is None or (found.col is None and columns_only):
        return []
    reading.understood.append(found.why)
    reading.notes.append(found.why)
    if found.col is not None:
        return [found.col]
    term = found.term
    if plan is not None:
        plan.measures.append(Measure("expr", None, term.term.replace(" ", "_"), sql=term.definition))
    else:
        reading.terms.append(term)
    return []


PRICE_WORDS = {"price", "fare"}
QUANTITY_WORDS = {"quantity", "qty", "units", "unit", "volume", "count", "items", "pieces"}


def price_as_money(word: str, context: SchemaContext) -> Col | None:
    """The one price column to sum for "revenue"/"sales" when no column is named for money.

    Only where a row is one thing sold at its price: a table with a quantity column would
    need price times quantity, and two price columns are two readings, so both give None.
    """
    if word not in vocab.MONEY_NOUNS:
        return None
    found = []
    for table in context.tables.values():
        names = [(c, set(vocab.name_words(c.name))) for c in vocab.measures(table, context)]
        prices = [c for c, parts in names if parts & PRICE_WORDS]
        if prices and any(parts & QUANTITY_WORDS for _, parts in names):
            return None
        found += [Col(table.name, c.name) for c in prices]
    return found[0] if len(found) == 1 else None
