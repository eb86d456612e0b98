"""Guess column types from a whole sample file (for generated setup SQL).

Logical types: "integer", "decimal(P,S)", "float", "boolean", "date", "datetime", "string(N)".

The whole file is read, streaming, because a type guessed from the first rows is
a promise about rows nobody looked at: a list of municipality codes may hold plain
integers for 5,000 rows and ``094001`` after them, and an INTEGER column would
store 94001. Setting up a feed is a one-off, so the full read is affordable.

A text column is typed only when *every* value survives the round trip through
the type (the rules are in :mod:`.number_text`): no leading zeros, no leading
``+``, no more digits than the type holds, one boolean spelling pair seen with
both its values, dates only in the ISO form every warehouse reads alike
(``31/01/2024`` stays text: PostgreSQL would read it by its own date order). Null
markers (:mod:`.nulls`) are ignored.

Numbers all written with the same number of decimals (``10.50``, ``7.00``: money) become
``decimal(P,S)`` rather than a FLOAT, which would add up ``0.10`` ten times to
``0.9999999999999999``: S is that number of decimals and P the most digits seen plus
:data:`DECIMAL_HEADROOM` (at most 38). Arrow decimal columns (Parquet) keep their own
precision and scale; float columns (Excel, JSON) whose values all have at most two
decimals, and some exactly two, are taken for money too. Each guess carries a ``basis`` — the sentence
the generated script prints beside the column. Strings get generous headroom
(at least 255 characters, and twice the longest value seen), because SQLite does
not enforce a length but PostgreSQL and SQL Server refuse or cut a longer value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from elt_project.ingest import number_text
from elt_project.ingest.nulls import na_values_for_typed
from elt_project.ingest.reader import read_batches

STRING_WIDTHS = (255, 500, 1000, 2000, 4000)
EMPTY_COLUMN_TYPE = "string(255)"
#: A string column is sized for values this many times longer than the longest seen.
STRING_HEADROOM = 2
SAMPLE_BATCH_ROWS = 65_536

_ISO_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_ISO_DATETIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?$"
)
_OTHER_DATE = r"^[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{1,4}( .*)?$"
_BOOLEAN_PAIRS = ({"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"})
_PLAIN_DECIMAL = r"^-?(?P<whole>0|[1-9][0-9]*)(?:\.(?P<fraction>[0-9]+))?$"
#: Digits a guessed DECIMAL holds beyond the most seen in the sample.
DECIMAL_HEADROOM = 6
MAX_PRECISION = 38
MAX_SCALE = 18
#: Decimals of money kept in float columns (Excel, JSON), the one case a float column is read as DECIMAL.
MONEY_SCALE = 2


def decimal_type(whole_digits: int, scale: int) -> str | None:
    """``decimal(P,S)`` with headroom for ``whole_digits`` before the point, or None when it cannot hold them."""
    if whole_digits + scale > MAX_PRECISION or scale > MAX_SCALE:
        return None
    return f"decimal({min(MAX_PRECISION, max(whole_digits, 1) + scale + DECIMAL_HEADROOM)},{scale})"


def string_type(max_length: int) -> str:
    """``string(N)``: at least 255, and room for values twice the longest seen."""
    wanted = max(max_length, 1) * STRING_HEADROOM
    for width in STRING_WIDTHS:
        if wanted <= width:
            return f"string({width})"
    return f"string({-(-wanted // 4000) * 4000})"


@dataclass
class ColumnGuess:
    """A column's guessed logical type and the sentence saying what it rests on."""

    name: str
    logical: str
    basis: str


@dataclass
class _Profile:
    """What the rows seen so far allow for one column."""

    values: int = 0
    max_length: int = 0
    native: str | None = None  # a non-text Arrow type decides alone
    integer: bool = True
    floating: bool = True
    date: bool = True
    datetime: bool = True
    spellings: set[str] = field(default_factory=set)
    first_non_integer: tuple[str, int] | None = None
    first_non_float: tuple[str, int] | None = None
    first_other_date: tuple[str, int] | None = None
    decimal: bool = True
    scales: set[int] = field(default_factory=set)
    whole_digits: int = 0
    #: For float columns: every value so far has at most MONEY_SCALE decimals (None: not a float column).
    money: bool | None = None
    money_scale_seen: bool = False

    def add_text(self, array: pa.Array, first_row: int, na_values) -> None:
        values = pc.utf8_trim_whitespace(array)
        values = pc.if_else(pc.is_in(values, value_set=pa.array(list(na_values), pa.string())), None, values)
        present = values.drop_null()
        if len(present) == 0:
            return
        positions = pc.indices_nonzero(pc.is_valid(values))
        self.values += len(present)
        self.max_length = max(self.max_length, pc.max(pc.utf8_length(pc.cast(array, pa.string()))).as_py() or 0)
        if self.integer:
            _, bad = number_text.parse_integers(present)
            if bad is not None:
                self.integer = False
                self.first_non_integer = (present[bad].as_py(), first_row + positions[bad].as_py())
        if self.floating:
            _, bad = number_text.parse_floats(present)
            if bad is not None:
                self.floating = False
                self.first_non_float = (present[bad].as_py(), first_row + positions[bad].as_py())
        if self.decimal:
            self._add_decimals(present)
        if self.date and not pc.all(pc.match_substring_regex(present, _ISO_DATE)).as_py():
            self.date = False
        if self.datetime:
            either = pc.or_(
                pc.match_substring_regex(present, _ISO_DATE), pc.match_substring_regex(present, _ISO_DATETIME)
            )
            self.datetime = bool(pc.all(either).as_py())
        if self.first_other_date is None:
            other = number_text.first_true(pc.match_substring_regex(present, _OTHER_DATE))
            if other is not None:
                self.first_other_date = (present[other].as_py(), first_row + positions[other].as_py())
        if len(self.spellings) <= 2:
            self.spellings |= set(pc.unique(present).to_pylist()[:3])

    def _add_decimals(self, present: pa.Array) -> None:
        parts = pc.extract_regex(present, _PLAIN_DECIMAL)
        if parts.null_count:
            self.decimal = False
            return
        fraction = pc.utf8_length(parts.field("fraction"))
        self.scales |= set(pc.unique(fraction).to_pylist())  # 0: a value without decimals
        self.whole_digits = max(self.whole_digits, pc.max(pc.utf8_length(parts.field("whole"))).as_py() or 0)

    def add_floats(self, array: pa.Array) -> None:
        """Keep track of whether a float column holds money (see the module docstring)."""
        values = array.drop_null()
        if len(values) == 0 or self.money is False:
            return
        if not pc.all(pc.equal(pc.round(values, MONEY_SCALE), values)).as_py():
            self.money = False
            return
        self.money = True
        self.money_scale_seen |= bool(pc.any(pc.not_equal(pc.round(values, MONEY_SCALE - 1), values)).as_py())
        largest = pc.max(pc.abs(values)).as_py() or 0
        self.whole_digits = max(self.whole_digits, len(str(int(largest))))

    def _decimal(self) -> str | None:
        if self.decimal and len(self.scales) == 1 and 0 not in self.scales:
            return decimal_type(self.whole_digits, next(iter(self.scales)))
        return None

    def guess(self, name: str, rows: int) -> ColumnGuess:
        seen = f"{self.values:,} values in {rows:,} rows"
        if self.native == "float" and self.money and self.money_scale_seen:
            logical = decimal_type(self.whole_digits, MONEY_SCALE) or "float"
            return ColumnGuess(
                name, logical, f"the file stores numbers with at most {MONEY_SCALE} decimals ({rows:,} rows): money"
            )
        if self.native is not None:
            return ColumnGuess(name, self.native, f"the file stores {self.native} values ({rows:,} rows)")
        if self.values == 0:
            return ColumnGuess(name, EMPTY_COLUMN_TYPE, f"no values in {rows:,} rows; text by default")
        if self.integer:
            return ColumnGuess(name, "integer", f"all {seen} are whole numbers without leading zeros or '+'")
        decimal = self._decimal()
        if decimal is not None:
            scale = next(iter(self.scales))
            return ColumnGuess(
                name, decimal, f"all {seen} are numbers with {scale} decimal{'s' if scale > 1 else ''}; kept exact"
            )
        if self.floating:
            return ColumnGuess(name, "float", f"all {seen} are numbers a FLOAT holds exactly")
        lowered = {s.lower() for s in self.spellings}
        if len(self.spellings) == 2 and lowered in _BOOLEAN_PAIRS:
            return ColumnGuess(name, "boolean", f"all {seen} are {' or '.join(sorted(self.spellings))}")
        if self.date:
            return ColumnGuess(name, "date", f"all {seen} are ISO dates (YYYY-MM-DD)")
        if self.datetime:
            return ColumnGuess(name, "datetime", f"all {seen} are ISO dates and times")
        logical = string_type(self.max_length)
        return ColumnGuess(name, logical, self._text_reason(seen))

    def _text_reason(self, seen: str) -> str:
        longest = f"longest of {seen} is {self.max_length:,} characters"
        if self.first_non_float is not None and _looks_numeric(self.first_non_float[0]):
            value, row = self.first_non_float
            return f"text: '{value}' (data row {row:,}) {number_text.why_not(value, 'float')}; {longest}"
        if self.first_other_date is not None:
            value, row = self.first_other_date
            return (
                f"text: dates written like '{value}' (data row {row:,}) are read differently by each "
                f"warehouse's date order, so they stay as written; {longest}"
            )
        lowered = {s.lower() for s in self.spellings}
        if self.spellings and lowered <= set().union(*_BOOLEAN_PAIRS) and len(self.spellings) <= 2:
            shown = ", ".join(f"'{s}'" for s in sorted(self.spellings))
            return f"text: only {shown} seen, not both values of one true/false spelling; {longest}"
        return f"text: {longest}"


def _looks_numeric(value: str) -> bool:
    stripped = value.strip().lstrip("+-")
    return (
        bool(stripped)
        and all(ch.isdigit() or ch in ".eE+-" for ch in stripped)
        and any(ch.isdigit() for ch in stripped)
    )


def _native_type(type_: pa.DataType) -> str | None:
    if pa.types.is_boolean(type_):
        return "boolean"
    if pa.types.is_integer(type_):
        return "integer"
    if pa.types.is_decimal(type_):
        return f"decimal({min(type_.precision, MAX_PRECISION)},{min(type_.scale, MAX_SCALE)})"
    if pa.types.is_floating(type_):
        return "float"
    if pa.types.is_date(type_):
        return "date"
    if pa.types.is_timestamp(type_):
        return "datetime"
    return None


def profile_columns(
    path: Path,
    *,
    file_type: str,
    parser_function: str | None = None,
    options: dict[str, Any] | None = None,
    sample_rows: int | None = None,
) -> tuple[list[ColumnGuess], int]:
    """(a guess per column, rows read) from the whole file, or its first ``sample_rows`` rows."""
    na_values = na_values_for_typed(options)
    batch_rows = min(sample_rows or SAMPLE_BATCH_ROWS, SAMPLE_BATCH_ROWS)
    batches = read_batches(
        path, file_type=file_type, parser_function=parser_function, options=options, batch_rows=batch_rows
    )
    names: list[str] = []
    profiles: list[_Profile] = []
    rows = 0
    try:
        for batch in batches:
            if not names:
                names = list(batch.schema.names)
                profiles = [_Profile() for _ in names]
            if sample_rows is not None and rows + batch.num_rows > sample_rows:
                batch = batch.slice(0, sample_rows - rows)
            for profile, column in zip(profiles, batch.columns):
                _add(profile, column, rows + 1, na_values)
            rows += batch.num_rows
            if sample_rows is not None and rows >= sample_rows:
                break
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    return [profile.guess(name, rows) for name, profile in zip(names, profiles)], rows


def _add(profile: _Profile, column: pa.Array, first_row: int, na_values) -> None:
    native = _native_type(column.type)
    if native is not None and column.null_count < len(column):
        if profile.native not in (None, native):
            native = "float" if {native, profile.native} == {"integer", "float"} else "string(255)"
        profile.native = native
        if native == "float":
            profile.add_floats(pc.cast(column, pa.float64()))
        return
    if pa.types.is_null(column.type):
        return
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    profile.add_text(column, first_row, na_values)


def sample_schema(
    path: Path,
    *,
    file_type: str,
    parser_function: str | None = None,
    options: dict[str, Any] | None = None,
    sample_rows: int | None = None,
) -> list[tuple[str, str]]:
    """(column name, logical type) for each column; see :func:`profile_columns`."""
    guesses, _rows = profile_columns(
        path, file_type=file_type, parser_function=parser_function, options=options, sample_rows=sample_rows
    )
    return [(guess.name, guess.logical) for guess in guesses]
