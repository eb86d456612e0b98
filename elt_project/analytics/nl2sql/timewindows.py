"""Time phrases of a question: windows (a year, a month, a date, a range, the last N days…),
trend buckets (by day/week/month/quarter/year) and two periods to compare.

Every window is a half-open date range ``[start, end)`` relative to an injected
``today``, so "last 30 days" means the 30 days ending today, included.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"((?:19|20)\d\d)"
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "a": 1,
}  # fmt: skip
_N = r"(\d+|" + "|".join(_NUMBER_WORDS) + ")"
_UNITS = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
BUCKET_WORDS = {
    "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year",
    "annual": "year", "annually": "year",
}  # fmt: skip


@dataclass(frozen=True)
class Window:
    """``start <= date < end``, with a label for display."""

    start: date
    end: date
    label: str
    #: No year was said: the year is a placeholder, to be placed in the data's range (see :func:`place_in_data`).
    implied: bool = False


@dataclass
class TimeSpec:
    window: Window | None = None
    bucket: str | None = None
    periods: list[Window] | None = None
    spans: list[tuple[int, int]] | None = None


def _n(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text]


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_window(year: int, month: int) -> Window:
    start = date(year, month, 1)
    return Window(start, add_months(start, 1), f"{start:%Y-%m}")


def year_window(year: int) -> Window:
    return Window(date(year, 1, 1), date(year + 1, 1, 1), str(year))


def quarter_window(year: int, quarter: int) -> Window:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    return Window(start, add_months(start, 3), f"{year}-Q{quarter}")


def day_window(day: date) -> Window:
    return Window(day, day + timedelta(days=1), day.isoformat())


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _relative(unit: str, shift: int, today: date) -> Window:
    """This (shift 0) or last (shift -1) calendar day/week/month/quarter/year."""
    if unit == "day":
        return day_window(today + timedelta(days=shift))
    if unit == "week":
        start = _week_start(today) + timedelta(weeks=shift)
        return Window(start, start + timedelta(weeks=1), f"week of {start}")
    if unit == "month":
        start = add_months(today.replace(day=1), shift)
        return month_window(start.year, start.month)
    if unit == "quarter":
        quarter_index = today.year * 4 + (today.month - 1) // 3 + shift
        return quarter_window(quarter_index // 4, quarter_index % 4 + 1)
    return year_window(today.year + shift)


def _rolling(count: int, unit: str, today: date) -> Window:
    end = today + timedelta(days=1)
    if unit in ("day", "week"):
        start = end - timedelta(days=count * (7 if unit == "week" else 1))
    else:
        months = count * {"month": 1, "quarter": 3, "year": 12}[unit]
        start = add_months(today, -months) + timedelta(days=1)
    return Window(start, end, f"last {count} {unit}s")


def _parse_date(text: str, today: date, year: int | None = None) -> date | None:
    """A date; one without a year takes ``year`` (the other end of a range), else today's."""
    text = text.strip().rstrip(",")
    today = today.replace(year=year) if year and not (today.month == 2 and today.day == 29) else today
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        m = re.fullmatch(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+" + _YEAR + ")?", text)
        if m:
            return date(int(m[3]) if m[3] else today.year, MONTHS[m[1]], int(m[2]))
        m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?(?:\s+" + _YEAR + ")?", text)
        if m:
            return date(int(m[3]) if m[3] else today.year, MONTHS[m[2]], int(m[1]))
    except ValueError:
        return None
    return None


_DATE = (
    r"(\d{4}-\d{1,2}-\d{1,2}|"
    + _MONTH
    + r"\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+(?:19|20)\d\d)?|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _MONTH
    + r",?(?:\s+(?:19|20)\d\d)?)"
)  # noqa: E501


def _month_without_year(month: int, today: date) -> Window:
    year = today.year if month <= today.month else today.year - 1
    window = month_window(year, month)
    return Window(window.start, window.end, date(2000, month, 1).strftime("%B"), implied=True)


def _has_year(text: str) -> int | None:
    found = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)
    return int(found[1]) if found else None


def place_in_data(window: Window, first: date, last: date) -> Window | None:
    """A window said without a year, moved to the latest year in which it overlaps ``[first, last]``."""
    for year in range(last.year, first.year - 1, -1):
        offset = 12 * (year - window.start.year)
        start, end = add_months(window.start, offset), add_months(window.end, offset)
        if start <= last and end > first:
            label = (
                f"{window.label} {start.year}"
                if not window.label[:1].isdigit()
                else f"{start} to {end - timedelta(days=1)}"
            )
            return Window(start, end, label)
    return None


def _period(text: str, today: date) -> Window | None:
    """One named period: a year, a quarter, a month, a date, or this/last unit."""
    text = text.strip()
    if m := re.fullmatch(_YEAR, text):
        return year_window(int(m[1]))
    if m := re.fullmatch(r"q([1-4])\s*(?:of\s+)?" + _YEAR, text):
        return quarter_window(int(m[2]), int(m[1]))
    if m := re.fullmatch(_MONTH + r"\s*(?:of\s+)?" + _YEAR, text):
        return month_window(int(m[2]), MONTHS[m[1]])
    if m := re.fullmatch(r"(this|last|previous|current|past)\s+(day|week|month|quarter|year)", text):
        return _relative(m[2], 0 if m[1] in ("this", "current") else -1, today)
    if text in ("today", "yesterday"):
        return _relative("day", 0 if text == "today" else -1, today)
    if m := re.fullmatch(_MONTH, text):
        return _month_without_year(MONTHS[m[1]], today)
    day = _parse_date(text, today)
    if day is None:
        return None
    window = day_window(day)
    return window if _has_year(text) else Window(window.start, window.end, f"{day:%B} {day.day}", implied=True)


_PERIOD = (
    r"((?:this|last|previous|current|past)\s+(?:day|week|month|quarter|year)|today|yesterday|q[1-4]\s*(?:of\s+)?"
    + r"(?:19|20)\d\d|"
    + _DATE
    + "|"
    + _MONTH
    + r"\s*(?:of\s+)?(?:(?:19|20)\d\d)?|"
    + _YEAR
    + ")"
)
_PERIOD_GROUPS = re.compile(_PERIOD).groups
_DATE_GROUPS = re.compile(_DATE).groups
_COMPARE = re.compile(
    r"\b" + _PERIOD + r"\s+(?:vs\.?|versus|compared (?:to|with)|against|and|with)\s+" + _PERIOD + r"(?![\w-])"
)
_COMPARE_CUES = ("compare", "comparing", "comparison", " vs", "versus", "against", "compared")


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_ORDINAL_QUARTER = re.compile(
    r"\b(?:the\s+)?(" + "|".join(_ORDINALS) + r")\s+quarter(?:\s+(?:of|in)\s+((?:19|20)\d\d))?\b"
)


def extract_time(text: str, today: date) -> TimeSpec:
    """Find the time phrases in lower-cased ``text``; ``spans`` are the character ranges used."""
    spec = TimeSpec(spans=[])

    def used(match: re.Match) -> None:
        spec.spans.append(match.span())

    for word, bucket in BUCKET_WORDS.items():
        if m := re.search(rf"\b{word}\b", text):
            spec.bucket = bucket
            used(m)
    if m := re.search(
        r"\b(?:by|per|each|every|over|for each|group(?:ed)? by)\s+(day|week|month|quarter|year)s?\b", text
    ):
        spec.bucket = _UNITS[m[1]]
        used(m)
    elif m := re.search(r"\b(?:which|what)\s+(day|week|month|quarter|year)\b", text):
        spec.bucket = _UNITS[m[1]]  # "which month had the highest revenue": rank the buckets
        used(m)
    elif m := re.search(
        r"\b(?:best|worst|top|highest|lowest|biggest|strongest|weakest)\s+(day|week|month|quarter|year)\b", text
    ):
        spec.bucket = _UNITS[m[1]]  # "our best month for revenue": rank the buckets (the adjective ranks)
        spec.spans.append(m.span(1))
    elif m := re.search(r"\b(?:trend|over time|evolution|history)\b", text):
        spec.bucket = spec.bucket or "month"
        used(m)

    compare = _COMPARE.search(text)
    if compare and any(cue in text for cue in _COMPARE_CUES):
        first, second = _period(compare[1], today), _period(compare[1 + _PERIOD_GROUPS], today)
        if first and second and first != second:
            spec.periods = [first, second]
            used(compare)
            return spec

    if m := re.search(r"\b(?:between|from)\s+" + _DATE + r"\s+(?:and|to|until|through|-)\s+" + _DATE, text):
        first, second = m[1], m[1 + _DATE_GROUPS]
        year = _has_year(second) or _has_year(first)  # "June 1 and June 15, 2013": both ends in 2013
        start, end = _parse_date(first, today, year), _parse_date(second, today, year)
        if start and end:
            spec.window = Window(start, end + timedelta(days=1), f"{start} to {end}", implied=year is None)
            used(m)
            return spec
    if m := re.search(
        r"\b(?:in the\s+|over the\s+|during the\s+|for the\s+)?(?:last|past|previous)\s+"
        + _N
        + r"\s+(day|week|month|quarter|year)s?\b",
        text,
    ):  # noqa: E501
        spec.window = _rolling(_n(m[1]), m[2], today)
        used(m)
        return spec
    if m := re.search(r"\b(since|after|before|until|from)\s+((?:19|20)\d\d)\b(?![-/]|\s+(?:and|to)\b)", text):
        year = int(m[2])  # "after 2010": the years after it, not 2010 itself
        low, high = {"since": (year, None), "from": (year, None), "after": (year + 1, None),
                     "before": (None, year - 1), "until": (None, year)}[m[1]]  # fmt: skip
        start, end = date(low or 1900, 1, 1), date((high or max(today.year, year + 1)) + 1, 1, 1)
        spec.window = Window(start, end, f"{m[1]} {year}")
        used(m)
        return spec
    if m := re.search(r"\b(since|after|before|until)\s+" + _DATE, text):
        day = _parse_date(m[2], today)
        if day:
            if m[1] in ("since",):
                spec.window = Window(day, today + timedelta(days=1), f"since {day}")
            elif m[1] == "after":
                spec.window = Window(day + timedelta(days=1), today + timedelta(days=1), f"after {day}")
            else:
                spec.window = Window(date(1900, 1, 1), day, f"before {day}")
            used(m)
            return spec
    if m := _ORDINAL_QUARTER.search(text):  # "the fourth quarter (of 2015)"
        quarter, said_year = _ORDINALS[m[1]], m[2]
        whole = quarter_window(int(said_year) if said_year else today.year, quarter)
        spec.window = whole if said_year else Window(whole.start, whole.end, f"Q{quarter}", implied=True)
        used(m)
        return spec
    if m := re.search(r"(?<![\w-])" + _PERIOD + r"(?![\w-])", text):
        window = _period(m[1], today)
        if window:
            spec.window = window
            used(m)
    return spec
