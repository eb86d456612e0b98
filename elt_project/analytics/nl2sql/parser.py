"""The built-in semantic parser: a question plus the schema context to a :class:`Plan`, or an honest refusal.

It reads, in order: time phrases, top/bottom N, numeric comparisons, data values
("West", "online"), then the words left: aggregates, measures, dimensions and
entities. A word it cannot place makes it refuse and say what it did understand,
rather than answer a different question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.sqlbuild import Col, Dim, Filter, Measure, Plan
from elt_project.analytics.nl2sql.timewindows import extract_time
from elt_project.analytics.schema_context import SchemaContext
from elt_project.errors import EltError

_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_TOP = re.compile(
    r"\b(top|bottom|best|worst|first|last|highest|lowest|biggest|largest|smallest)\s+(\d+|"
    + "|".join(_NUM)
    + r")\b|\b(\d+|"
    + "|".join(_NUM)
    + r")\s+(best|top|worst|biggest|largest|smallest|highest|lowest|most|least)\b"
)
_COMPARATORS = {
    "greater than": ">", "more than": ">", "over": ">", "above": ">", "exceeding": ">", "bigger than": ">",
    "larger than": ">", "higher than": ">", "at least": ">=", "less than": "<", "fewer than": "<", "under": "<",
    "below": "<", "smaller than": "<", "lower than": "<", "at most": "<=", "equal to": "=", "exactly": "=",
    ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=",
}  # fmt: skip
_COMPARE = re.compile(
    r"("
    + "|".join(re.escape(k) for k in sorted(_COMPARATORS, key=len, reverse=True))
    + r")\s*\$?(\d[\d,]*(?:\.\d+)?)\s*(k|m|thousand|million)?\b"  # noqa: E501
)
_GROUP_CUES = {"by", "per", "each", "every", "across", "which", "what", "for each", "among"}
_ROW_WORDS = {"order", "orders", "transaction", "transactions", "sale", "purchase", "purchases", "line", "lines"}


class NotUnderstood(EltError):
    """The parser cannot answer; it says what it understood instead of guessing."""

    resolution = "Rephrase with a measure (revenue, quantity…), a grouping (by region…) or a time (in 2025…)."

    def __init__(self, reason: str, understood: list[str]) -> None:
        shown = "; ".join(understood) if understood else "nothing I could match to the data"
        super().__init__(f"I cannot answer that reliably: {reason} What I understood: {shown}.")
        self.reason = reason
        self.understood = understood


@dataclass
class _Reading:
    text: str
    understood: list[str]
    original: str = ""  # the question as typed: a value written as the data writes it ("IT") is meant
    by_meaning: set[str] = field(default_factory=set)  # @column tokens found by the model, not by name
    terms: list = field(default_factory=list)  # glossary filters and expressions the question used

    def blank(self, span: tuple[int, int]) -> None:
        self.text = self.text[: span[0]] + " " * (span[1] - span[0]) + self.text[span[1] :]


def _number(text: str, scale: str | None) -> float:
    value = float(text.replace(",", ""))
    factor = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(scale or "", 1)
    value *= factor
    return int(value) if value == int(value) else value


def _normalize(question: str) -> str:
    text = question.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[?!;:\"()]", " ", text)
    text = re.sub(r"(?<=\w)'s\b", "", text)
    return re.sub(r"\s+", " ", text).strip().rstrip(".")


def _fact_tables(context: SchemaContext) -> list[str]:
    """Tables with a date and a numeric measure, biggest first: where events are recorded."""
    facts = [t for t in context.tables.values() if vocab.date_columns(t) and vocab.measures(t, context)]
    return [t.name for t in sorted(facts, key=lambda t: -t.row_count)]


def _linked(word: str, context: SchemaContext, kinds: tuple[str, ...]) -> list[Col]:
    """Columns named by an ``@column`` token of :mod:`.linking`, biggest table first."""
    found = [
        (-table.row_count, Col(table.name, column.name))
        for table in context.tables.values()
        for column in table.columns
        if column.name.lower() == word[1:] and column.kind in kinds
    ]
    return [col for _, col in sorted(found, key=lambda item: item[0])]


def dimension_capable(column) -> bool:
    """Text columns, and integer columns with few values (hour, month, year, cylinders)."""
    return column.kind == "text" or (column.integer and column.levels is not None)


def _measure_columns(word: str, context: SchemaContext) -> list[Col]:
    if word.startswith("@"):
        keys = {(t.name, c.name) for t in context.tables.values() for c in t.columns if vocab.is_key(t, c, context)}
        return [col for col in _linked(word, context, ("number", "date")) if (col.table, col.column) not in keys]
    wanted = vocab.MEASURE_SYNONYMS.get(word, (word, vocab.singular(word)))
    found = []
    for table in context.tables.values():
        for column in vocab.measures(table, context):
            parts = vocab.name_words(column.name)
            if column.name.lower() in wanted or any(p in wanted for p in parts) or column.name.lower() == word:
                exact = column.name.lower() in wanted
                found.append((not exact, -table.row_count, Col(table.name, column.name)))
    return [col for *_, col in sorted(found, key=lambda item: item[:2])]


def _dimension_columns(phrase: str, context: SchemaContext) -> list[Col]:
    """Text/key columns named by ``phrase`` (its last word or its whole name), and entity tables' labels."""
    if phrase.startswith("@"):
        return [c for c in _linked(phrase, context, ("text",))]
    word = vocab.singular(phrase)
    found = []
    if " " in phrase:
        head, rest = phrase.split(" ", 1)
        for table in context.tables.values():
            if vocab.entity_name(table.name) == vocab.singular(head):
                found += [
                    Col(table.name, c.name)
                    for c in table.columns
                    if c.kind == "text" and c.name.lower() == vocab.singular(rest)
                ]
    for table in context.tables.values():
        for column in table.columns:
            if column.kind not in ("text",):
                continue
            parts = vocab.name_words(column.name)
            full = " ".join(parts)
            if word == full or phrase == full or (len(parts) > 1 and word == parts[-1]) or word == column.name.lower():
                found.append(Col(table.name, column.name))
        if vocab.entity_name(table.name) == word:
            label = _label_column(context, table.name)
            if label:
                found.append(label)
    return found


def _numeric_dimensions(phrase: str, context: SchemaContext) -> list[Col]:
    """Integer columns with few values named by ``phrase`` (or its ``@column`` token)."""
    name = phrase[1:] if phrase.startswith("@") else None
    found = []
    for table in sorted(context.tables.values(), key=lambda t: -t.row_count):
        for column in table.columns:
            if not (column.integer and column.levels is not None):
                continue
            if column.name.lower() == name or (
                name is None and vocab.singular(phrase) == vocab.singular(column.name.lower())
            ):
                found.append(Col(table.name, column.name))
    return found


def _label_column(context: SchemaContext, table: str) -> Col | None:
    info = context.tables[table]
    named = [c for c in info.columns if c.kind == "text" and vocab.name_words(c.name)[-1] == "name"]
    if named:
        return Col(table, named[0].name)
    return Col(table, info.primary_key[0]) if info.primary_key else None


def _entity_table(word: str, context: SchemaContext) -> str | None:
    said, word = word, vocab.singular(word)
    for table in context.tables.values():
        if vocab.entity_name(table.name) == word or table.name.lower() in (said, word):  # "irises" → iris
            return table.name
        if len(table.primary_key) == 1 and table.primary_key[0].lower() in (f"{word}_id", f"{word}id"):
            return table.name
    if word in {vocab.singular(w) for w in _ROW_WORDS}:
        facts = _fact_tables(context)
        return facts[0] if facts else None
    return None


def _reachable(context: SchemaContext, base: str, table: str) -> bool:
    return table == base or any(fk.ref_table == table for fk in context.references(base))


def _pick(cols: list[Col], base: str, context: SchemaContext) -> Col | None:
    """The first candidate on ``base``, else one on a table ``base`` references."""
    for col in cols:
        if col.table == base:
            return col
    return next((col for col in cols if _reachable(context, base, col.table)), None)


def parse(question: str, context: SchemaContext, *, today: date, glossary: tuple | list = ()) -> Plan:
    """The plan for ``question``, or :class:`NotUnderstood`; ``glossary`` holds the admins' terms."""
    from elt_project.analytics.nl2sql.planning import read_question

    reading = _Reading(_normalize(question), [], question)
    _apply_glossary(reading, glossary)
    return read_question(reading, context, today)


def _apply_glossary(reading: _Reading, glossary) -> None:
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
