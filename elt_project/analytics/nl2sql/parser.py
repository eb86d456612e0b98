"""The built-in semantic parser: a question plus the schema context to a :class:`Plan`, or an honest refusal.

It reads, in order: time phrases, top/bottom N, numeric comparisons, data values
("West", "online"), then the words left: aggregates, measures, dimensions and
entities (:mod:`.reading`, :mod:`.planning`). A word it cannot place makes it refuse and
say what it did understand, rather than answer a different question.
"""

from __future__ import annotations

import re
from datetime import date

from elt_project.analytics.nl2sql.grammar import NotUnderstood, Reading, normalize
from elt_project.analytics.nl2sql.planning import read_question
from elt_project.analytics.nl2sql.sqlbuild import Col, Dim, Filter, Measure, Plan
from elt_project.analytics.nl2sql.timewindows import extract_time
from elt_project.analytics.schema_context import SchemaContext


def parse(question: str, context: SchemaContext, *, today: date, glossary: tuple | list = ()) -> Plan:
    """The plan for ``question``, or :class:`NotUnderstood`; ``glossary`` holds the admins' terms."""
    reading = Reading(normalize(question), [], question, glossary=list(glossary))
    _apply_glossary(reading, glossary)
    return read_question(reading, context, today)


def _apply_glossary(reading: Reading, glossary) -> None:
    """Terms found in the question: a column term becomes ``@column``; filters and expressions are kept aside."""
    for term in glossary:  # longest first
        pattern = rf"(?<![\w@]){re.escape(term.term)}(?![\w-])"
        if not re.search(pattern, reading.text):
            continue
        if term.kind == "column":
            reading.text = re.sub(pattern, f"@{term.definition.lower()}", reading.text)
        else:
            reading.text = re.sub(pattern, lambda m: " " * len(m[0]), reading.text)
            reading.terms.append(term)
        reading.understood.append(f"glossary: {term.term!r} = {term.definition}")


__all__ = ["NotUnderstood", "parse", "Plan", "Col", "Dim", "Filter", "Measure", "extract_time"]
