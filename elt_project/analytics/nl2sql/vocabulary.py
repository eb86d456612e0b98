"""Words of a question matched to the warehouse: measures, dimensions, entities and data values.

Nothing here knows the demo: every match is against the schema context (column and
table names split on underscores, singular and plural) plus a small dictionary of
business synonyms ("revenue" may be a column called amount, sales or revenue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from elt_project.analytics.schema_context import ColumnInfo, SchemaContext, TableInfo

_REVENUE = ("amount", "revenue", "sales", "total", "value", "turnover")
_QUANTITY = ("quantity", "qty", "units", "volume")
#: Question word -> column-name words it may stand for (for numeric measures).
MEASURE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "revenue": _REVENUE, "sales": _REVENUE, "turnover": _REVENUE, "income": _REVENUE, "money": _REVENUE,
    "spend": _REVENUE, "spent": _REVENUE, "spending": _REVENUE, "earned": _REVENUE, "earnings": _REVENUE,
    "amount": ("amount",), "amounts": ("amount",), "value": ("value", "amount"), "worth": _REVENUE,
    "quantity": _QUANTITY, "quantities": _QUANTITY, "units": _QUANTITY, "unit": _QUANTITY, "items": _QUANTITY,
    "pieces": _QUANTITY, "volume": _QUANTITY,
    "price": ("price",), "prices": ("price",), "stock": ("on_hand", "stock"), "inventory": ("on_hand", "stock"),
}  # fmt: skip
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


def find_values(text: str, context: SchemaContext) -> list[ValueMatch]:
    """Profiled values that appear in ``text`` as whole words, longest first, case-insensitive."""
    found: list[ValueMatch] = []
    taken: list[tuple[int, int]] = []
    candidates = []
    for table in context.tables.values():
        for column in table.columns:
            for value in column.values or ():
                if len(value) >= 2 and not value.isdigit():
                    candidates.append((table.name, column.name, value))
    candidates.sort(key=lambda item: -len(item[2]))
    for table, column, value in candidates:
        pattern = r"(?<![\w-])" + re.escape(value.lower()) + r"(?![\w-])"
        for m in re.finditer(pattern, text):
            span = m.span()
            if any(s < span[1] and span[0] < e and (s, e) != span for s, e in taken):
                continue
            if value.lower() in STOPWORDS:
                continue
            found.append(ValueMatch(table, column, value, span))
            taken.append(span)
    return found
