"""Words of a question matched to the warehouse: measures, dimensions, entities and data values.

Nothing here knows the demo or a business: every match is against the schema context (column
and table names split on underscores, singular and plural). Words of a business ("revenue",
"turnover") are the glossary's and the sentence model's (:mod:`.linking`), not a list here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from elt_project.analytics.schema_context import ColumnInfo, SchemaContext, TableInfo

#: Nouns that ask for "the" measure without naming one ("the average order value"), when no column has that
#: name: the table's default measure (:mod:`.defaults`) is meant.
MEASURE_NOUNS = {"value", "values", "amount", "amounts"}
#: Verbs of paying, in any business: "which customers spent the most" asks for the money measure.
MONEY_VERBS = {"spend", "spends", "spent", "spending", "pay", "pays", "paid", "paying", "earn", "earns", "earned"}
#: Nouns that mean money taken (or, counted, the sales themselves) in any business. They name no column:
#: a glossary term or the one price column of a table of sales decides what they read (see ``reading``).
MONEY_NOUNS = {"revenue", "sales", "turnover", "income", "takings", "earnings"}
AGGREGATES: dict[str, str] = {
    "total": "sum", "sum": "sum", "overall": "sum", "combined": "sum", "altogether": "sum",
    "average": "avg", "avg": "avg", "mean": "avg", "typical": "avg", "per-order": "avg",
    "count": "count", "number": "count", "many": "count",
    "distinct": "distinct", "unique": "distinct", "different": "distinct",
    "minimum": "min", "min": "min", "smallest": "min", "lowest": "min", "cheapest": "min", "least": "min",
    "maximum": "max", "max": "max", "largest": "max", "biggest": "max", "highest": "max", "most": "max",
    "priciest": "max", "greatest": "max",
}  # fmt: skip
DESCENDING = {"top", "best", "highest", "most", "largest", "biggest", "greatest", "leading", "strongest"}
ASCENDING = {"bottom", "worst", "lowest", "least", "smallest", "fewest", "weakest"}
STOPWORDS = set(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "for",
        "to",
        "by",
        "per",
        "and",
        "or",
        "with",
        "what",
        "which",
        "who",
        "whose",
        "how",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "show",
        "me",
        "give",
        "list",
        "tell",
        "find",
        "get",
        "display",
        "my",
        "our",
        "we",
        "us",
        "i",
        "you",
        "all",
        "each",
        "every",
        "across",
        "over",
        "from",
        "at",
        "as",
        "that",
        "this",
        "these",
        "those",
        "there",
        "their",
        "it",
        "its",
        "into",
        "than",
        "then",
        "please",
        "can",
        "could",
        "would",
        "will",
        "much",
        "many",
        "number",
        "total",
        "sum",
        "about",
        "under",
        "within",
        "during",
        "between",
        "since",
        "before",
        "after",
        "until",
        "broken",
        "down",
        "break",
        "split",
        "grouped",
        "group",
        "ordered",
        "order",
        "sorted",
        "sort",
        "rank",
        "ranked",
        "ranking",
        "have",
        "has",
        "had",
        "made",
        "make",
        "generated",
        "bring",
        "brought",
        "us",
        "see",
        "view",
        "report",
        "value",
        "values",
        "figure",
        "figures",
        "overall",
        "trend",
        "time",
        "vs",
        "versus",
        "compared",
        "compare",
        "comparison",
        "against",
        "per-order",
        "level",
        "amount",
        "amounts",
        "whole",
        "entire",
        "so",
        "far",
        "had",
        "got",
        "any",
        "some",
        "data",
        "table",
        "rows",
        "records",
        "record",
        "kind",
        "type",
        "via",
        "popular",
        "sells",
        "our",
        "your",
        "bring",
        "brings",
        "brought",
        "bringing",
        "get",
        "gets",
        "got",
        "generated",
        "generates",
        "through",
        "using",
        "where",
        "when",
        "also",
        "only",
        "just",
        "like",
        "including",
        "ever",
        "recorded",
        "all-time",
        "far",
        "sold",
        "sell",
        "selling",
        "seller",
        "sellers",
        "performing",
        "performer",
        "performers",
        "bought",
        "buy",
        "ordered",
        "placed",
        "spent",
        "spend",
        "spends",
        "spending",
        "did",
        "happened",
        "made",
        "come",
        "came",
        "went",
        "brought",
        "generate",
        "there's",
        "what's",
        "one",
        "up",
        "out",
        "off",
        "year",
        "month",
        "week",
        "day",
        "quarter",
        "years",
        "months",
        "weeks",
        "days",
        "quarters",
        "descending",
        "ascending",
    ]
)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'&.-]*[a-z0-9]|[a-z0-9]", text.lower())


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\s]+", name.lower()) if w]


def entity_name(table: str) -> str:
    """``dim_customers`` -> ``customer``: what one row of the table is called."""
    name = table.lower()
    for prefix in ("dim_", "fact_", "dest_", "tbl_", "stg_"):
        name = name.removeprefix(prefix)
    return singular(name.replace("_", " "))


def is_key(table: TableInfo, column: ColumnInfo, context: SchemaContext) -> bool:
    if column.name in table.primary_key:
        return True
    if any(fk.table == table.name and fk.column == column.name for fk in context.foreign_keys):
        return True
    return column.name.lower().endswith(("_id", "_key", "_sku", "_code")) or column.name.lower() in ("id", "sku")


def measures(table: TableInfo, context: SchemaContext) -> list[ColumnInfo]:
    return [c for c in table.columns if c.kind == "number" and not is_key(table, c, context)]


def date_columns(table: TableInfo) -> list[ColumnInfo]:
    """Date columns, business dates first (load timestamps last)."""
    found = [c for c in table.columns if c.kind == "date"]
    return sorted(found, key=lambda c: ("load" in c.name or "created" in c.name or "updated" in c.name, c.name))


@dataclass(frozen=True)
class ValueMatch:
    table: str
    column: str
    value: str
    span: tuple[int, int]


def find_values(text: str, context: SchemaContext, original: str = "") -> list[ValueMatch]:
    """Data values named in ``text`` (lower-cased), longest first, from the index of every text column.

    A value that is also a common word ("it", "us", "all") counts only when the question
    writes it as the data does ("IT", "US"); one that is a word of a column or table name
    ("weather" in a weather table) is taken as that name. Single letters need the data's case too.
    """
    from elt_project.analytics.nl2sql.values import lookup_pending, value_index

    index = value_index(context)
    spans = [(m.start(), m.end()) for m in re.finditer(r"[a-z0-9]+(?:['&][a-z0-9]+)*", text)]
    tokens = [text[s:e] for s, e in spans]
    names = _schema_words(context)
    plain = STOPWORDS | names | set(AGGREGATES) | MEASURE_NOUNS | DESCENDING | ASCENDING
    phrases = {}  # a question's phrases that could be data, for columns not indexed in full yet
    for size in range(1, 5):
        for i in range(len(tokens) - size + 1):
            key = tuple(tokens[i : i + size])
            if all(singular(w) in plain or w in plain for w in key):
                continue
            phrases[" ".join(key)] = key
            phrases[text[spans[i][0] : spans[i + size - 1][1]]] = key
    extra = lookup_pending(index, context, phrases)
    said = set(re.findall(r"[\w'&]+", original))
    found: list[ValueMatch] = []
    taken: set[int] = set()
    for size in range(min(index.longest, len(tokens)), 0, -1):
        for i in range(len(tokens) - size + 1):
            if taken & set(range(i, i + size)):
                continue
            key = tuple(tokens[i : i + size])
            entries = index.lookup(key) + extra.get(key, [])
            if size == 1 and entries:
                entries = [e for e in entries if _plain_word_ok(tokens[i], e.value, said, names)]
            if not entries:
                continue
            span = (spans[i][0], spans[i + size - 1][1])
            found += [ValueMatch(e.table, e.column, e.value, span) for e in entries]
            taken |= set(range(i, i + size))
    return found


def _schema_words(context: SchemaContext) -> set[str]:
    words_ = set()
    for table in context.tables.values():
        words_ |= {singular(w) for w in name_words(table.name)}
        for column in table.columns:
            words_ |= {singular(w) for w in name_words(column.name)}
    return words_


def _plain_word_ok(token: str, value: str, said: set[str], names: set[str]) -> bool:
    """Whether a one-word value matched by ``token`` is meant as the value (see :func:`find_values`)."""
    written_as_data = value in said and value != value.lower()
    if token.isdigit():
        return False
    if token in STOPWORDS or len(token) < 2 or singular(token) in names:
        return written_as_data
    return True
