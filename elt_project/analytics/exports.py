"""The hub's downloads: CSV whose cells a spreadsheet opens as text, never as a formula.

A cell from a file or a user that starts with ``=``, ``+``, ``-``, ``@``, a tab, a
carriage return or a line feed is run as a formula by Excel and LibreOffice (CSV or
formula injection: ``=HYPERLINK(...)`` phishing, ``@SUM(...)*cmd|...`` DDE). Following
OWASP, such a text cell is written with a leading single quote, which the spreadsheet
shows as text. Numbers stay numbers (a negative amount is data, not a formula), and
the header (column names come from files too) is escaped like any cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

#: What makes a spreadsheet read a cell as a formula (OWASP's list, plus a line feed).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Leading characters a spreadsheet may skip before looking for a formula.
_SKIPPED = " \u00a0\ufeff"


def escape_cell(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.lstrip(_SKIPPED).startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel reads accents right), every text cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(str(c)) for c in columns])
    for row in rows:
        writer.writerow(["" if _is_missing(v) else escape_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def frame_csv(frame: pd.DataFrame) -> bytes:
    """:func:`csv_bytes` of a DataFrame, exact values (no display formatting)."""
    return csv_bytes([str(c) for c in frame.columns], frame.itertuples(index=False, name=None))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
