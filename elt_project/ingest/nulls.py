"""Null markers: the spellings of "no value" that a typed column receives as NULL.

Exports write a missing number as an empty field, ``NA``, ``N/A``, ``NULL`` or
``#N/A``. A text column keeps such a word as it is (``NA`` may be Namibia), but a
typed column (number, date) cannot hold it: PostgreSQL and SQL Server would
refuse ``'NA'`` and SQLite would quietly store the word in a number column. So
when the engine converts text for a typed column it reads these markers as NULL.

``read_options.na_values`` (a list of strings) replaces the default list; it then
also applies to text columns at parse time, so ``"na_values": ["-"]`` makes a
lone dash NULL everywhere and ``"na_values": [""]`` turns the word markers off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Compared after trimming spaces, case-sensitively.
DEFAULT_NA_VALUES: tuple[str, ...] = ("", "NA", "N/A", "n/a", "NULL", "null", "#N/A")


def configured_na_values(options: dict[str, Any] | None) -> list[str] | None:
    """``read_options.na_values`` of a ``scraper_config``, or None when not set."""
    read = (options or {}).get("read_options") or {}
    values = read.get("na_values") if isinstance(read, dict) else None
    if values is None:
        return None
    return [str(v) for v in values]


def na_values_for_typed(options: dict[str, Any] | None) -> Sequence[str]:
    """Markers read as NULL in typed columns: the configured list, else the defaults."""
    configured = configured_na_values(options)
    if configured is None:
        return DEFAULT_NA_VALUES
    return tuple(dict.fromkeys(["", *configured]))
