"""Numbers written as text: which spellings survive as a number, and parsing them exactly.

One set of rules for every path. The setup-SQL sampler uses them to decide that a
column may be typed INTEGER or FLOAT; the staging load uses them to convert text
for a typed column in Arrow — exactly, the same whether a file has ten rows or ten
million — instead of leaving it to each database's own text conversion (SQLite
3.40 reads ``-87.59553528`` as ``-87.59553528000001``).

A value survives when the number, written back as text, gives the same text up to
these documented normalisations: spaces around it, trailing zeros of a fraction
(``1.50`` → ``1.5``, ``2.0`` → ``2``), and how an exponent is spelled (``1E5`` →
``100000``). Everything else is a change a person must see: a leading zero
(``094001``), a leading ``+``, more digits than a double holds
(``0.1234567890123456789``), an integer beyond BIGINT.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc

INTEGER_PATTERN = r"^-?(0|[1-9][0-9]*)$"
FLOAT_PATTERN = r"^-?(0|[1-9][0-9]*)?(\.[0-9]*)?([eE][-+]?[0-9]+)?$"
_HAS_DIGIT = r"[0-9]"
_TRAILING_FRACTION_ZEROS = r"^(-?[0-9]*\.[0-9]*?)0+$"
_BIGINT_DIGITS = 18  # every 18-digit integer fits a signed 64-bit column


def why_not(value: str, kind: str) -> str:
    """Why ``value`` cannot be a ``kind`` ("integer" or "float") without changing, in a few words."""
    text = value.strip()
    digits = text.lstrip("+-")
    if text.startswith("+"):
        return "has a leading +, which a number would drop"
    if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        return "has a leading zero, which a number would drop"
    if kind == "integer" and digits.isdigit():
        return "has more digits than a BIGINT holds"
    if kind == "integer":
        try:
            Decimal(text)
        except InvalidOperation:
            return "is not a whole number"
        return "is not a whole number"
    try:
        Decimal(text)
    except InvalidOperation:
        return "is not a number"
    return "has more digits than a FLOAT holds exactly"


def first_true(mask: pa.Array) -> int | None:
    """Index of the first true value of a boolean array (nulls count as false)."""
    filled = pc.fill_null(mask, False)
    if not pc.any(filled).as_py():
        return None
    return pc.index(filled, True).as_py()


def parse_integers(values: pa.Array) -> tuple[pa.Array, int | None]:
    """(int64 array, index of the first value that is not a plain integer, or None).

    ``values`` is trimmed text; nulls stay nulls. When a value fails, the array is None.
    """
    values = pc.replace_substring_regex(values, r"^(-?[0-9]+)\.0+$", r"\1")  # 2.0 is 2
    ok = pc.match_substring_regex(values, INTEGER_PATTERN)
    long = pc.greater(pc.utf8_length(pc.utf8_ltrim(values, characters="-")), _BIGINT_DIGITS)
    bad = pc.or_kleene(pc.invert(ok), long)
    index = first_true(bad)
    if index is not None:
        return None, index
    return pc.cast(values, pa.int64()), None


def parse_floats_shape(values: pa.Array) -> tuple[pa.Array, int | None]:
    """(values, index of the first value that is not a number, or has a leading zero or '+')."""
    shape_ok = pc.and_kleene(
        pc.match_substring_regex(values, FLOAT_PATTERN), pc.match_substring_regex(values, _HAS_DIGIT)
    )
    index = first_true(pc.invert(shape_ok))
    if index is not None:
        return values, index
    # a leading zero (007.5) would be dropped: only 0 itself, 0.x and 0eN start with one
    return values, first_true(pc.invert(pc.match_substring_regex(values, r"^-?(0[.eE]|0$|[1-9.]|\.)")))


def parse_floats(values: pa.Array) -> tuple[pa.Array | None, int | None]:
    """(float64 array, index of the first value that is not a number or would change, or None).

    Arrow parses (correctly rounded); the result is written back as text and compared
    with the input after removing trailing fraction zeros, all vectorised. Only the
    values that still differ (an exponent, ``.5``) are compared as exact decimals in
    Python, so a normal column costs no Python per value.
    """
    _, index = parse_floats_shape(values)
    if index is not None:
        return None, index
    floats = pc.cast(values, pa.float64())
    back = pc.cast(floats, pa.string())
    normalised = pc.replace_substring_regex(values, _TRAILING_FRACTION_ZEROS, r"\1")
    normalised = pc.replace_substring_regex(normalised, r"\.$", "")
    differs = pc.fill_null(pc.not_equal(back, normalised), False)
    if pc.any(differs).as_py():
        for position in pc.indices_nonzero(differs).to_pylist():
            text = values[position].as_py()
            number = floats[position].as_py()
            if Decimal(text) != Decimal(repr(number)):
                return None, position
    return floats, None
