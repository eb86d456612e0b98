"""The small grammar of ``elt_pipeline_configs.expected_schedule``: when an import's file is due.

Two forms (case does not matter; the time zone is an IANA name, default UTC)::

    <days> by <HH:MM> [<zone>]                  daily by 06:30 UTC
                                                weekdays by 09:00 Europe/Berlin
                                                mondays by 12:00 America/New_York
                                                mon,wed,fri by 07:15 Asia/Tokyo
    cron: <m> <h> <dom> <mon> <dow> [grace <N>m|h|d] [<zone>]
                                                cron: 0 9 * * 1-5 grace 2h Europe/Berlin

``<days>`` is ``daily``, ``weekdays`` (Monday to Friday), ``weekends``, or day names
(``monday``/``mondays``/``mon``) separated by commas. A cron expression has the usual
five fields (``*``, lists, ranges, ``/step``; day of week 0-7 with 0 and 7 Sunday,
or names). Its deadline is the cron time plus the grace period.

Deadlines are wall-clock times in the zone, turned into UTC per day with
:mod:`zoneinfo`, so "09:00 Europe/Berlin" is 08:00 UTC in winter and 07:00 UTC in
summer. A time that does not exist on the day clocks go forward (02:30 in Berlin on
the last Sunday of March) falls an hour later; one that happens twice when they go
back means its first occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_BY_FORM = re.compile(r"^(?P<days>[a-z ,]+?)\s+by\s+(?P<h>\d{1,2}):(?P<m>\d{2})(?:\s+(?P<zone>\S+))?$")
_GRACE = re.compile(r"^(\d+)([mhd])$")
#: How far ahead a deadline is searched for: past a leap day, e.g. "cron: 0 6 29 2 *".
_SEARCH_DAYS = 8 * 366
EXAMPLE = '"weekdays by 09:00 Europe/Berlin" or "cron: 0 9 * * 1-5 grace 2h UTC"'


class ScheduleError(ValueError):
    """An expected_schedule that does not follow the grammar; the message says how to write it."""


@dataclass(frozen=True)
class Promise:
    """A parsed expected_schedule: the days and times a file is due, in one time zone."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    #: Python's weekday numbers: Monday 0 ... Sunday 6.
    weekdays: frozenset[int]
    #: Cron's rule: when both day fields are restricted, a day matching either one counts.
    either_day: bool
    grace: timedelta
    zone: str

    def _due_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_month_day, by_weekday = day.day in self.days_of_month, day.weekday() in self.weekdays
        return (by_month_day or by_weekday) if self.either_day else (by_month_day and by_weekday)

    def _deadlines_on(self, day: date) -> tuple[datetime, ...]:
        """The day's deadlines as aware UTC times, earliest first."""
        return _deadlines_on(self, day)

    def deadlines_after(self, moment: datetime) -> Iterator[datetime]:
        """Deadlines strictly after ``moment`` (aware), in order, as aware UTC times."""
        moment = moment.astimezone(UTC)
        # Start a day early in local terms: the grace period and the zone's offset shift days.
        day = (moment - self.grace).astimezone(ZoneInfo(self.zone)).date() - timedelta(days=1)
        for offset in range(_SEARCH_DAYS):
            for deadline in self._deadlines_on(day + timedelta(days=offset)):
                if deadline > moment:
                    yield deadline

    def previous_deadline(self, moment: datetime) -> datetime | None:
        """The last deadline strictly before ``moment`` (aware UTC), or None if there is none within years."""
        moment = moment.astimezone(UTC)
        day = (moment - self.grace).astimezone(ZoneInfo(self.zone)).date() + timedelta(days=1)
        for offset in range(_SEARCH_DAYS):
            earlier = [d for d in self._deadlines_on(day - timedelta(days=offset)) if d < moment]
            if earlier:
                return earlier[-1]
        return None

    def next_deadline(self, moment: datetime) -> datetime | None:
        """The first deadline strictly after ``moment``; None if there is none within years."""
        return next(self.deadlines_after(moment), None)


@lru_cache(maxsize=4096)
def _deadlines_on(promise: Promise, day: date) -> tuple[datetime, ...]:
    """Cached: a page or a sensor tick asks for the same days of the same schedules many times."""
    if not promise._due_on(day):
        return ()
    zone = ZoneInfo(promise.zone)
    return tuple(
        sorted(
            datetime.combine(day, time(h, m), tzinfo=zone).astimezone(UTC) + promise.grace
            for h in promise.hours
            for m in promise.minutes
        )
    )


@lru_cache(maxsize=1024)
def parse_schedule(text: str) -> Promise:
    """``text`` as a :class:`Promise`; :class:`ScheduleError` with a one-sentence fix otherwise."""
    cleaned = " ".join(text.strip().split())
    lowered = cleaned.lower()
    cron = lowered.startswith("cron:")
    promise = _parse_cron(cleaned, cleaned[5:].split()) if cron else _parse_by(cleaned, lowered)
    if promise.next_deadline(datetime(2024, 1, 1, tzinfo=UTC)) is None:
        raise ScheduleError(f"expected_schedule '{cleaned}' never comes due; write e.g. {EXAMPLE}.")
    return promise


def _zone(name: str | None, text: str) -> str:
    if name is None or name.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"expected_schedule '{text}' names an unknown time zone '{name}'; use an IANA name such as "
            "Europe/Berlin, America/New_York or UTC."
        ) from None
    return name


def _day_number(word: str) -> int | None:
    word = word.strip()
    for number, name in enumerate(DAY_NAMES):
        if word in (name, name + "s", name[:3]):
            return number
    return None


def _parse_by(text: str, lowered: str) -> Promise:
    found = _BY_FORM.match(lowered)
    if found is None:
        raise ScheduleError(f"expected_schedule '{text}' is not understood; write e.g. {EXAMPLE}.")
    hour, minute = int(found["h"]), int(found["m"])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"expected_schedule '{text}' has no valid time of day; write HH:MM from 00:00 to 23:59.")
    words = found["days"].strip()
    if words in ("daily", "every day"):
        weekdays = set(range(7))
    elif words == "weekdays":
        weekdays = set(range(5))
    elif words == "weekends":
        weekdays = {5, 6}
    else:
        numbers = [_day_number(w) for w in words.split(",")]
        if not numbers or None in numbers:
            raise ScheduleError(
                f"expected_schedule '{text}' names days it does not know; use daily, weekdays, weekends "
                "or day names such as mondays or mon,wed,fri."
            )
        weekdays = set(numbers)
    original_zone = text.split()[-1] if found["zone"] else None
    return Promise(
        text=text,
        minutes=frozenset({minute}),
        hours=frozenset({hour}),
        days_of_month=frozenset(range(1, 32)),
        months=frozenset(range(1, 13)),
        weekdays=frozenset(weekdays),
        either_day=False,
        grace=timedelta(0),
        zone=_zone(original_zone, text),
    )


def _parse_cron(text: str, tokens: list[str]) -> Promise:
    if len(tokens) < 5:
        raise ScheduleError(f"expected_schedule '{text}' needs five cron fields after 'cron:'; write e.g. {EXAMPLE}.")
    fields, rest = tokens[:5], tokens[5:]
    grace = timedelta(0)
    if rest and rest[0].lower() == "grace":
        amount = _GRACE.match(rest[1].lower()) if len(rest) > 1 else None
        if amount is None:
            raise ScheduleError(
                f"expected_schedule '{text}' has a grace period it cannot read; write it as e.g. 'grace 30m', "
                "'grace 2h' or 'grace 1d'."
            )
        unit = {"m": "minutes", "h": "hours", "d": "days"}[amount[2]]
        grace = timedelta(**{unit: int(amount[1])})
        rest = rest[2:]
    if len(rest) > 1:
        raise ScheduleError(
            f"expected_schedule '{text}' has extra words after the cron fields; only 'grace N(m|h|d)' and a "
            "time zone may follow."
        )
    minute, hour, dom, month, dow = (
        _cron_field(text, value, low, high, names)
        for value, (low, high, names) in zip(
            fields,
            ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (0, 7, _CRON_DAYS)),
        )
    )
    weekdays = frozenset((d - 1) % 7 for d in dow)  # cron: 0 and 7 are Sunday; Python: Monday is 0
    return Promise(
        text=text,
        minutes=minute,
        hours=hour,
        days_of_month=dom,
        months=month,
        weekdays=weekdays,
        either_day=fields[2] != "*" and fields[4] != "*",
        grace=grace,
        zone=_zone(rest[0] if rest else None, text),
    )


_MONTHS = {n: i for i, n in enumerate(("jan", "feb", "mar", "apr", "may", "jun"), start=1)}
_MONTHS.update({n: i for i, n in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"), start=7)})
_CRON_DAYS = {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}


def _cron_field(text: str, value: str, low: int, high: int, names: dict[str, int] | None) -> frozenset[int]:
    """One cron field (``*``, ``a-b``, ``a,b``, ``*/n``, ``a-b/n``, names) as the set of its numbers."""

    def number(word: str) -> int:
        word = word.lower()
        if names and word in names:
            return names[word]
        if not word.isdigit() or not low <= int(word) <= high:
            raise ScheduleError(
                f"expected_schedule '{text}' has the cron value '{word}' outside {low}-{high}; fix that field."
            )
        return int(word)

    result: set[int] = set()
    for part in value.split(","):
        span, _, step_text = part.partition("/")
        step = number(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError(f"expected_schedule '{text}' has a cron step of 0; use /1 or more.")
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, _, last = span.partition("-")
            start, end = number(first), number(last)
        else:
            start = end = number(span)
            if step_text:
                end = high
        if start > end:
            raise ScheduleError(f"expected_schedule '{text}' has the cron range '{span}' backwards; write low-high.")
        result.update(range(start, end + 1, step))
    return frozenset(result)
