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
#: A mantissa with at least one digit and no leading zero (0.5 yes, 007.5 no), an optional exponent.
FLOAT_PATTERN = r"^-?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
#: The date forms a DATE / TIMESTAMP column accepts from text (see :mod:`.schema_sample`).
ISO_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
ISO_DATETIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([ T]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?)?$"
)
_BIGINT_DIGITS = 18
#: Up to this many characters (sign and point included) a number has at most 15
#: significant digits, which every double gives back exactly.
_SAFE_FLOAT_CHARACTERS = 15  # every 18-digit integer fits a signed 64-bit column


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


def parse_integers(values: pa.Array, *, point_zero: bool = True) -> tuple[pa.Array, int | None]:
    """(int64 array, index of the first value that is not a plain integer, or None).

    ``values`` is trimmed text; nulls stay nulls. When a value fails, the array is None.
    ``point_zero`` accepts ``2.0`` as 2 (Arrow converts it; a warehouse's own integer
    cast would refuse it, so text left for the warehouse is checked without it).
    """
    digits_only = pc.ascii_is_decimal(values)  # the common case, without a regular expression
    if pc.all(pc.fill_null(digits_only, True)).as_py():
        zero_led = pc.and_(pc.starts_with(values, "0"), pc.greater(pc.utf8_length(values), 1))
        too_long = pc.greater(pc.utf8_length(values), _BIGINT_DIGITS)
        index = first_true(pc.or_(zero_led, too_long))
        if index is not None:
            return None, index
        return pc.cast(values, pa.int64()), None
    if point_zero and pc.any(pc.match_substring(values, ".")).as_py():
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
    return values, first_true(pc.invert(pc.match_substring_regex(values, FLOAT_PATTERN)))


def parse_floats(values: pa.Array) -> tuple[pa.Array | None, int | None]:
    """(float64 array, index of the first value that is not a number or would change, or None).

    Arrow parses (correctly rounded). A number of at most 15 significant digits and
    no exponent always comes back as itself (a double holds 15 decimal digits), so
    only longer values and exponents are written back as text and compared with the
    input — after removing trailing fraction zeros — and, where that still differs
    (``1e20`` vs ``1e+20``), compared as exact decimals in Python.
    """
    _, index = parse_floats_shape(values)
    if index is not None:
        return None, index
    floats = pc.cast(values, pa.float64())
    doubtful = pc.or_(
        pc.greater(pc.utf8_length(values), _SAFE_FLOAT_CHARACTERS), pc.match_substring(values, "e", ignore_case=True)
    )
    doubtful = pc.fill_null(doubtful, False)
    if not pc.any(doubtful).as_py():
        return floats, None
    positions = pc.indices_nonzero(doubtful)
    texts = pc.take(values, positions)
    back = pc.cast(pc.take(floats, positions), pa.string())
    plain_fraction = pc.and_(
        pc.match_substring(texts, "."), pc.invert(pc.match_substring(texts, "e", ignore_case=True))
    )
    trimmed = pc.utf8_rtrim(pc.utf8_rtrim(texts, characters="0"), characters=".")
    differs = pc.fill_null(pc.not_equal(back, pc.if_else(plain_fraction, trimmed, texts)), False)
    for offset in pc.indices_nonzero(differs).to_pylist():
        text = texts[offset].as_py()
        number = float(text)
        if number != number or number in (float("inf"), float("-inf")) or Decimal(text) != Decimal(repr(number)):
            return None, positions[offset].as_py()
    return floats, None
