"""Comparisons with a number ("over 120", "at least 5"): which column each is about, and where it goes.

A comparison filters each row on a named column, or, with a grouping, the grouped total
(HAVING); with neither it falls to the table's default measure, or is refused.
"""

from __future__ import annotations

from elt_project.analytics.nl2sql import columns as lookup
from elt_project.analytics.nl2sql.defaults import default_measure_cols
from elt_project.analytics.nl2sql.grammar import ROW_WORDS, UNIT_WORDS, NotUnderstood, Reading
from elt_project.analytics.nl2sql.reading import Comparison, Words
from elt_project.analytics.nl2sql.sqlbuild import Col, Filter, Plan
from elt_project.analytics.schema_context import SchemaContext


def comparison_targets(compares: list[Comparison], words: Words) -> tuple[list[list[Col] | None], bool]:
    """Which column each comparison is about; True when one is on a grouped total.

    A measure word just before a comparison names the compared column ("quantity of at
    least 5"); "customers with revenue over 1000" compares each customer's total.
    """
    compared: list[list[Col] | None] = []
    grouped = False
    for comparison in compares:
        after = [c for c in words.candidates if c[1] == comparison.followed_by and c[2] >= comparison.at]
        named_before = any(0 <= comparison.at - c[2] <= 30 for c in words.candidates)
        if after and comparison.followed_by in UNIT_WORDS and named_before:
            words.candidates.remove(after[0])  # "a delay of more than 60 minutes": the unit of the delay
            after = []
        if after:  # "more than 6 cylinders": the column named right after the number
            words.candidates.remove(after[0])
            compared.append(after[0][0])
            continue
        near = [c for c in words.candidates if 0 <= comparison.at - c[2] <= 30]
        counting = words.agg == "count" and not words.distinct
        holds = near and (words.entity is None or any(col.table == words.entity for col in near[-1][0]))
        if near and counting and (holds or words.entity_word in ROW_WORDS):
            # "how many flights with a delay over 120": count the rows whose value passes
            words.candidates.remove(near[-1])
            compared.append(near[-1][0])
        elif near and words.entity is not None and any(col.table == words.entity for col in near[-1][0]):
            words.candidates.remove(near[-1])  # "states with poverty above 15": each state's own value
            compared.append(near[-1][0])
        elif near and words.entity is not None and words.entity_word not in ROW_WORDS:
            compared.append(None)  # on the aggregate of the measure, per entity
            grouped = True
        elif near and (len(words.candidates) > 1 or words.entity is not None):
            words.candidates.remove(near[-1])
            compared.append(near[-1][0])
        else:
            compared.append(None)
    return compared, grouped


def add_comparisons(
    plan: Plan, compares: list[Comparison], compared: list[list[Col] | None], words: Words,
    context: SchemaContext, reading: Reading,
) -> None:  # fmt: skip
    """On a named column per row, else on the grouped total, else on the measure's column."""
    for comparison, named in zip(compares, compared, strict=True):
        op, value = comparison.op, comparison.value
        target = plan.measures[0]
        col = lookup.pick(named, plan.base, context) if named else None
        counts_rows = comparison.followed_by in ROW_WORDS and target.agg == "count" and target.col is None
        if col is not None:
            plan.filters.append(Filter(col, op, [value]))
            reading.understood.append(f"{col.column} {op} {value}")
        elif plan.dims and (counts_rows or target.col is not None and words.entity_word not in ROW_WORDS):
            plan.having.append(Filter(target.col or Col(plan.base, "*"), op, [value]))
            reading.understood.append(f"groups with {target.label} {op} {value}")
        elif target.col is not None:
            plan.filters.append(Filter(target.col, op, [value]))
            reading.understood.append(f"{target.col.column} {op} {value}")
        else:
            found = default_measure_cols(reading, context, [plan.base], columns_only=True)
            col = found[0] if found else None
            if col is None:
                raise NotUnderstood("I cannot tell which number the comparison is about.", reading.understood)
            plan.filters.append(Filter(col, op, [value]))
            reading.understood.append(f"{col.column} {op} {value}")
