"""The grammar the question reader shares: number words, top-N and comparison patterns, grouping cues,
the reading in progress and the refusal every step raises.

A leaf module (it imports nothing of the parser), so the reading and planning steps and the
guards all import from here instead of from each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from elt_project.errors import EltError

NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
TOP = re.compile(
    r"\b(top|bottom|best|worst|first|last|highest|lowest|biggest|largest|smallest)\s+(\d+|"
    + "|".join(NUM)
    + r")\b|\b(\d+|"
    + "|".join(NUM)
    + r")\s+(best|top|worst|biggest|largest|smallest|highest|lowest|most|least)\b"
)
COMPARATORS = {
    "greater than": ">", "more than": ">", "over": ">", "above": ">", "exceeding": ">", "bigger than": ">",
    "larger than": ">", "higher than": ">", "at least": ">=", "less than": "<", "fewer than": "<", "under": "<",
    "below": "<", "smaller than": "<", "lower than": "<", "at most": "<=", "equal to": "=", "exactly": "=",
    ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=",
}  # fmt: skip
COMPARE = re.compile(
    r"("
    + "|".join(re.escape(k) for k in sorted(COMPARATORS, key=len, reverse=True))
    + r")\s*\$?(\d[\d,]*(?:\.\d+)?)\s*(k|m|thousand|million)?\b"  # noqa: E501
)
#: Comparative adjectives stand for a comparison on the quantity they describe ("older than 50" is age over 50):
#: the quantity noun then links to a column by name or by meaning like any other word, or the question is refused.
ADJECTIVE_COMPARISONS = {
    "older": ("age", "over"), "younger": ("age", "under"), "heavier": ("weight", "over"),
    "lighter": ("weight", "under"), "taller": ("height", "over"), "longer": ("length", "over"),
    "more expensive": ("price", "over"), "cheaper": ("price", "under"), "less expensive": ("price", "under"),
}  # fmt: skip
_ADJECTIVE = re.compile(r"\b(" + "|".join(ADJECTIVE_COMPARISONS) + r")\s+than\s+(?=\$?\d)")


def spell_out_comparatives(text: str) -> str:
    """ "older than 50" → "age over 50": the adjective said as the quantity it compares."""
    return _ADJECTIVE.sub(lambda m: " ".join(ADJECTIVE_COMPARISONS[m[1]]) + " ", text)


GROUP_CUES = {"by", "per", "each", "every", "across", "which", "what", "for each", "among"}
#: Units a number is said in ("a delay of more than 60 minutes"): after a named measure they name no column.
UNIT_WORDS = {
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
    "year", "years", "mile", "miles", "km", "kilometers", "kilometres", "meter", "meters", "metres", "feet", "foot",
    "inch", "inches", "gram", "grams", "g", "kg", "kilograms", "pound", "pounds", "lb", "lbs", "ounce", "ounces",
    "dollar", "dollars", "euro", "euros", "cent", "cents", "percent", "degrees", "degree", "mm", "cm", "liters",
    "litres", "gallons",
}  # fmt: skip
ROW_WORDS = {"order", "orders", "transaction", "transactions", "sale", "purchase", "purchases", "line", "lines"}


class NotUnderstood(EltError):
    """The parser cannot answer; it says what it understood instead of guessing."""

    resolution = "Rephrase with a measure (revenue, quantity…), a grouping (by region…) or a time (in 2025…)."

    def __init__(self, reason: str, understood: list[str]) -> None:
        shown = "; ".join(understood) if understood else "nothing I could match to the data"
        super().__init__(f"I cannot answer that reliably: {reason} What I understood: {shown}.")
        self.reason = reason
        self.understood = understood


@dataclass
class Reading:
    text: str
    understood: list[str]
    original: str = ""  # the question as typed: a value written as the data writes it ("IT") is meant
    by_meaning: set[str] = field(default_factory=set)  # @column tokens found by the model, not by name
    terms: list = field(default_factory=list)  # glossary filters and expressions the question used
    glossary: list = field(default_factory=list)  # every term of the admins' glossary (the default measure)
    notes: list[str] = field(default_factory=list)  # choices the answer must state (a default measure)
    said_as: dict = field(default_factory=dict)  # @column token found by meaning -> the word the question said

    def blank(self, span: tuple[int, int]) -> None:
        self.text = self.text[: span[0]] + " " * (span[1] - span[0]) + self.text[span[1] :]


def parse_number(text: str, scale: str | None) -> float:
    value = float(text.replace(",", ""))
    factor = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(scale or "", 1)
    value *= factor
    return int(value) if value == int(value) else value


def normalize(question: str) -> str:
    text = question.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"[?!;:\"()]", " ", text)
    text = re.sub(r"(?<=\w)'s\b", "", text)
    return re.sub(r"\s+", " ", text).strip().rstrip(".")
