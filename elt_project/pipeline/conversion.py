"""Text for typed staging columns, converted once in Arrow, exactly, or refused.

Delimited files arrive as text. When a staging column is a number (the generated
DDL types the columns it is sure of), the text is converted here, before any
database sees it, by the rules of :mod:`elt_project.ingest.number_text`:

* one path for every file size and warehouse — the loaders bind real int64 and
  float64 values, so a 10-row file and a 10-million-row file land identically
  (SQLite's own text-to-REAL conversion is not exact, PostgreSQL's is);
* nothing narrows silently: a value that would not give back its own text
  (``094001``, ``+2``, ``0.12345678901234567891``, ``abc`` in a number column)
  stops the run with the column, the data row and the value;
* null markers (``NA``, ``N/A``, ``NULL``, …; see :mod:`elt_project.ingest.nulls`)
  become NULL, so a typed PostgreSQL or SQL Server column never receives ``'NA'``.

A text staging column feeding a number column of the destination (the built-in
transform casts it there) is checked by the same rules and staged as text, null
markers as NULL; its first
failure is noted on the file's ledger row and the transform refuses to run, while
the quality rules still see the staged rows as before.

DECIMAL/NUMERIC columns keep exact text for PostgreSQL and SQL Server (they parse
decimals exactly) after a check that the value has no more fraction digits than the
column's scale (PostgreSQL would round ``1.005`` into ``NUMERIC(12,2)`` quietly);
SQLite stores such a column as REAL, so there the value is converted like a float,
after the same scale check (SQLite would keep ``1.005`` in ``NUMERIC(12,2)`` as it is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from elt_project.db.boolean_words import FALSE_WORDS, TRUE_WORDS
from elt_project.db.dialect_traits import dialect_named, traits
from elt_project.errors import SourceFileError
from elt_project.ingest import number_text

_INT_BOUNDS = {sa.SmallInteger: 2**15 - 1, sa.BigInteger: 2**63 - 1}
#: A plain decimal number: refused by a number column, it asks for a wider type, not a fix of the file.
_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


class WideningNeeded(SourceFileError):
    """A value is a good value of a wider type than its column's (a decimal in an integer column,
    more fraction digits than the scale, longer text than the length): the run stops, and
    :mod:`.schema_drift` records the ALTER TABLE that would make it fit."""

    def __init__(self, message: str, *, column: str, where: str) -> None:
        super().__init__(message)
        self.column = column
        self.where = where


@dataclass(frozen=True)
class Target:
    """How one staging column wants its values: ``integer``, ``float`` or ``decimal`` (with scale)."""

    kind: str
    type_name: str
    scale: int | None = None
    limit: int | None = None
    #: Where the type is: "staging" (the text is converted here) or a destination
    #: table the built-in transform casts into (the text is only checked here).
    where: str = "staging"

    @property
    def check_only(self) -> bool:
        return self.where != "staging"


def target_for(column: sa.Column, dialect_name: str, where: str = "staging") -> Target | None:
    """The conversion a staging column needs, or None for text and types left to the database."""
    target = _target_for(column, dialect_name)
    if target is None or where == "staging":
        return target
    return Target(target.kind, target.type_name, target.scale, target.limit, where)


def _target_for(column: sa.Column, dialect_name: str) -> Target | None:
    type_ = column.type
    name = str(type_.compile(dialect=dialect_named(dialect_name))) if dialect_name else type(type_).__name__
    facts = traits(dialect_name)
    if isinstance(type_, sa.Integer):
        limit = next((bound for kind, bound in _INT_BOUNDS.items() if isinstance(type_, kind)), 2**31 - 1)
        if facts.integers_are_64_bit:
            limit = 2**63 - 1
        return Target("integer", name, limit=limit)
    if isinstance(type_, sa.Boolean):
        return Target("boolean", name)
    if isinstance(type_, sa.DateTime):
        return Target("datetime", name)
    if isinstance(type_, sa.Date):
        return Target("date", name)
    if isinstance(type_, sa.Float):
        return Target("float", name)
    if isinstance(type_, sa.Numeric):
        if not facts.exact_decimals:
            return Target("float", name, scale=type_.scale)
        return Target("decimal", name, scale=type_.scale)
    return None


def plan_targets(
    staging: sa.Table, names: Sequence[str], dialect_name: str, destination: sa.Table | None = None
) -> dict[int, Target]:
    """Batch column position -> conversion, for the business columns that need one.

    With ``destination`` (the built-in transform's target), a text staging column
    whose namesake in the destination is a number is checked by the same rules, so
    the transform's cast cannot change a value either; the check costs a vectorised
    pass here instead of a scan of the staged rows in SQL.
    """
    by_name = {column.name.lower(): column for column in destination.columns} if destination is not None else {}
    plan: dict[int, Target] = {}
    for position, name in enumerate(names):
        column = staging.c.get(name)
        if column is None:
            continue
        target = target_for(column, dialect_name)
        if target is None and isinstance(column.type, sa.String) and name.lower() in by_name:
            target = target_for(by_name[name.lower()], dialect_name, where=f"destination {destination.name}")
        if target is not None:
            plan[position] = target
    return plan


def convert_batch(
    batch: pa.RecordBatch,
    plan: dict[int, Target],
    na_values: Sequence[str],
    *,
    first_row: int,
    file_name: str,
    problems: list[str] | None = None,
    keep_checked: bool = False,
) -> pa.RecordBatch:
    """``batch`` with the planned text columns converted; raises on the first value that would change.

    A check-only column (text staged for a number column of the destination) does
    not raise: its first failure is appended to ``problems``, so the rows are still
    staged, the quality rules still see them, and the transform refuses to run.
    ``keep_checked`` returns the integers and floats such a column was checked as,
    instead of its text (a load straight into the destination wants those values).
    """
    if not plan:
        return batch
    markers = pa.array(list(na_values), pa.string())
    arrays = list(batch.columns)
    for position, target in plan.items():
        column = arrays[position]
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue  # Excel, JSON and Parquet give native values; the driver binds them as they are
        values = pc.utf8_trim_whitespace(column)
        is_marker = pc.is_in(values, value_set=markers)
        values = pc.if_else(is_marker, pa.scalar(None, values.type), values)
        if target.check_only:
            if problems is not None and not problems:
                try:
                    checked = _convert(values, target, batch.schema.names[position], first_row, file_name)
                except SourceFileError as exc:
                    problems.append(str(exc))
                else:
                    if keep_checked and target.kind in ("integer", "float"):
                        arrays[position] = checked
                        continue
            if pc.any(is_marker).as_py():  # staged as NULL, so the transform casts without a CASE
                arrays[position] = pc.if_else(is_marker, pa.scalar(None, column.type), column)
            continue
        arrays[position] = _convert(values, target, batch.schema.names[position], first_row, file_name)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _convert(values: pa.Array, target: Target, name: str, first_row: int, file_name: str) -> pa.Array:
    if target.kind == "integer":
        converted, bad = number_text.parse_integers(values, point_zero=not target.check_only)
        if bad is None and len(converted) and converted.null_count < len(converted):
            low, high = pc.min_max(converted).values()
            if max(abs(low.as_py()), abs(high.as_py())) > target.limit:
                bad = number_text.first_true(pc.greater(pc.abs(converted), target.limit))
                raise _refused(values, bad, name, target, first_row, file_name, "is too large for the column")
    elif target.kind == "float":
        _, bad = _check_decimal(values, target.scale) if target.scale is not None else (values, None)
        if bad is None:
            converted, bad = number_text.parse_floats(values)
    elif target.kind == "boolean":
        converted = values  # the spellings are turned into TRUE/FALSE by the warehouse or the transform
        known = pa.array([*TRUE_WORDS, *FALSE_WORDS], pa.string())
        unknown = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(pc.utf8_lower(values), value_set=known)))
        bad = number_text.first_true(unknown)
    elif target.kind in ("date", "datetime"):
        pattern = number_text.ISO_DATE if target.kind == "date" else number_text.ISO_DATETIME
        converted = values  # ISO text: every warehouse reads it alike, SQLite keeps it as it is
        bad = number_text.first_true(pc.invert(pc.match_substring_regex(values, pattern)))
    else:
        converted, bad = _check_decimal(values, target.scale)
    if bad is not None:
        raise _refused(values, bad, name, target, first_row, file_name)
    return converted


def _check_decimal(values: pa.Array, scale: int | None) -> tuple[pa.Array, int | None]:
    """Exact decimal text, checked: a number, no leading zero or '+', at most ``scale`` fraction digits."""
    _, bad = number_text.parse_floats_shape(values)
    if bad is not None or scale is None:
        return values, bad
    dot = pc.find_substring(values, ".")
    significant = pc.utf8_length(pc.utf8_rtrim(values, characters="0"))
    fraction = pc.if_else(pc.greater_equal(dot, 0), pc.subtract(pc.subtract(significant, dot), 1), 0)
    exponent = pc.match_substring(values, "e", ignore_case=True)
    too_fine = pc.and_(pc.greater(fraction, scale), pc.invert(exponent))
    bad = number_text.first_true(too_fine)
    if pc.any(exponent).as_py():  # rare: 1.5e-3 — let Decimal count the digits
        for position in pc.indices_nonzero(pc.fill_null(exponent, False)).to_pylist():
            digits = Decimal(values[position].as_py()).normalize().as_tuple().exponent
            if isinstance(digits, int) and -digits > scale and (bad is None or position < bad):
                bad = position
    return values, bad


def _refused(
    values: pa.Array, index: int, name: str, target: Target, first_row: int, file_name: str, why: str = ""
) -> SourceFileError:
    value = values[index].as_py()
    if not why and target.kind == "boolean":
        words = "/".join(f"{t}/{f}" for t, f in zip(TRUE_WORDS, FALSE_WORDS))
        why = f"is none of the true/false spellings {words}, so it would be stored as NULL or as text"
    if not why and target.kind in ("date", "datetime"):
        why = (
            "is not written YYYY-MM-DD (with HH:MM[:SS] for a timestamp), the one form every warehouse "
            "reads alike (PostgreSQL would read 01/02/2024 by its own date order)"
        )
    if not why and target.kind == "integer" and re.fullmatch(r"-?[0-9]+\.0*", value.strip()):
        why = "has a decimal point, which the warehouse's integer cast refuses"
    if not why:
        why = number_text.why_not(value, "integer" if target.kind == "integer" else "float")
        if target.scale is not None and why.startswith("has more digits"):
            why = f"has more fraction digits than {target.type_name} keeps"
    message = (
        f"{file_name}: column '{name}' is {target.type_name} in {target.where}, but data row {first_row + index:,} "
        f"holds '{value}', which {why}; {_advice(target)}"
    )
    leading_zero = re.match(r"^[-+]?0[0-9]", value.strip())
    if target.kind in ("integer", "float", "decimal") and _PLAIN_NUMBER.match(value.strip()) and not leading_zero:
        return WideningNeeded(message, column=name, where=target.where)
    return SourceFileError(message)


def text_limits(
    staging: sa.Table, names: Sequence[str], destination: sa.Table | None = None
) -> dict[int, tuple[int, str]]:
    """Batch column position -> (longest text allowed, where), for bounded text columns.

    PostgreSQL and SQL Server refuse longer text and SQLite keeps it whatever the
    declared length, so the check is made here, once, alike on every warehouse.
    """
    by_name = {column.name.lower(): column for column in destination.columns} if destination is not None else {}
    limits: dict[int, tuple[int, str]] = {}
    for position, name in enumerate(names):
        column = staging.c.get(name)
        if column is None or not isinstance(column.type, sa.String) or not column.type.length:
            continue
        limits[position] = (column.type.length, "staging")
        other = by_name.get(name.lower())
        length = getattr(other.type, "length", None) if other is not None else None
        if isinstance(getattr(other, "type", None), sa.String) and length and length < column.type.length:
            limits[position] = (length, f"destination {destination.name}")
    return limits


def check_text_lengths(
    batch: pa.RecordBatch, limits: dict[int, tuple[int, str]], *, first_row: int, file_name: str
) -> None:
    """Raise :class:`WideningNeeded` on the first text value longer than its column allows."""
    for position, (limit, where) in limits.items():
        column = batch.column(position)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        longest = pc.max(pc.binary_length(column)).as_py()  # from the offsets; characters <= bytes
        if longest is None or longest <= limit:
            continue
        bad = number_text.first_true(pc.greater(pc.utf8_length(column), limit))
        if bad is None:
            continue
        name = batch.schema.names[position]
        length = len(column[bad].as_py())
        raise WideningNeeded(
            f"{file_name}: column '{name}' holds at most {limit} characters in {where}, but data row "
            f"{first_row + bad:,} holds {length}; nothing was loaded — widen the column (or fix the value).",
            column=name,
            where=where,
        )


def _advice(target: Target) -> str:
    if target.check_only:
        return "make the destination column text (or fix the value) and run again."
    return "nothing was loaded — make the column text in the staging and destination tables (or fix the value)."
