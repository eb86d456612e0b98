"""A steward's change set: what each row should become, checked against the column types.

Both front ends produce the same :class:`RowChange` list: the hub's data editor
(from the rows as they were read and as they were edited, see
:func:`changes_from_edit`) and ``elt steward apply`` (from a reviewed CSV file, see
:func:`changes_from_csv`). Values are coerced to the column's type here, before
anything touches the warehouse, so a bad cell is a clear sentence naming the row
and column, never a driver error halfway through a save. Nothing is rounded or
truncated silently: a value that does not fit the column is refused.
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from elt_project.errors import ConfigurationError

#: In a change file: a cell that sets NULL (an empty cell leaves the value as it is).
NULL_MARKER = "\\N"
DELETE_COLUMN = "_delete"
EXPECTED_PREFIX = "_expected_"
_TRUE = {"1", "true", "yes", "y", "x"}
_FALSE = {"0", "false", "no", "n", ""}
#: Stands for "no expectation" in :attr:`RowChange.expected` (None means "expected NULL").
ANY = object()


@dataclass
class RowChange:
    """One row's change: the key, the new values of the changed columns, and what was expected.

    ``expected`` maps column names to the value the steward saw when they opened the
    row; a column missing from it is not checked. ``is_new`` rows must not exist yet,
    ``delete`` rows must exist and are removed.
    """

    key: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, Any] = field(default_factory=dict)
    delete: bool = False
    is_new: bool = False

    def key_text(self) -> str:
        """The key as the audit log stores it."""
        return key_text(self.key)


def key_text(key: dict[str, Any]) -> str:
    """A single key value as text; a composite key as a JSON list of its values in key order."""
    values = [display(v) for v in key.values()]
    return values[0] if len(values) == 1 else json.dumps(values)


class ValueProblem(ConfigurationError):
    """A value does not fit its column; nothing was written."""

    resolution = "Correct the named cell and save again."


def display(value: Any) -> str | None:
    """A value as the audit log and the messages show it (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


#: Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make stored text display in
#: another order than it is stored (a key or amount that reads as something else). The single-character
#: marks LRM/RLM/ALM stay allowed: right-to-left text uses them and they reorder nothing around them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Control characters a text value may hold: multi-line notes pasted from a document. Never in a key.
LINE_CONTROLS = frozenset("\t\n\r")


def text_problem(value: Any, *, is_key: bool = False) -> str | None:
    """What makes ``value`` unfit to store as a steward's text, or None.

    Refused: control characters (C0, DEL, C1; tab and line breaks are allowed outside keys),
    bidirectional overrides and isolates anywhere, and in a key leading or trailing spaces (a
    key that looks like another one, and that no one can type back to find the row).
    """
    if not isinstance(value, str):
        return None
    for char in value:
        if char in BIDI_CONTROLS:
            return f"holds the text-direction control U+{ord(char):04X}"
        if unicodedata.category(char) == "Cc" and (is_key or char not in LINE_CONTROLS):
            return f"holds the control character U+{ord(char):04X}"
    if is_key and value != value.strip():
        return "starts or ends with spaces"
    return None


def check_text(value: Any, column: sa.Column, *, where: str, is_key: bool = False) -> None:
    """Raise :class:`ValueProblem` naming ``where`` and the column when :func:`text_problem` finds one."""
    problem = text_problem(value, is_key=is_key)
    if problem is not None:
        raise ValueProblem(f"{where}, column {column.name}: the value {problem}; remove it and save again.")


def shown(text: str) -> str:
    """``text`` safe to put in a message: control and direction characters written as \\uXXXX."""
    return "".join(f"\\u{ord(c):04x}" if c in BIDI_CONTROLS or unicodedata.category(c) == "Cc" else c for c in text)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return type(value).__name__ in ("NaTType", "NAType")


def coerce(value: Any, column: sa.Column, *, where: str) -> Any:
    """``value`` as the Python type of ``column``, or :class:`ValueProblem` naming ``where``."""
    if _is_missing(value) or (isinstance(value, str) and value.strip() == "" and not _is_text(column)):
        if not column.nullable:
            raise ValueProblem(f"{where}: column {column.name} may not be empty.")
        return None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    try:
        if python_type is bool:
            return _bool(value)
        if python_type is int:
            return _int(value)
        if python_type is float:
            return float(value)
        if python_type is Decimal:
            return _decimal(value, column)
        if python_type is datetime:
            return _datetime(value)
        if python_type is date:
            return _date(value)
    except (ValueError, TypeError, InvalidOperation, ArithmeticError) as exc:
        raise ValueProblem(
            f"{where}: {value!r} is not a valid {_type_word(python_type)} for column {column.name}."
        ) from exc
    if python_type is str:
        text = str(value)
        length = getattr(column.type, "length", None)
        if length and len(text) > length:
            raise ValueProblem(
                f"{where}: the value for column {column.name} has {len(text)} characters; at most {length} fit."
            )
        return text
    return value


def _is_text(column: sa.Column) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return True


def _type_word(python_type: type) -> str:
    return {
        bool: "true/false value",
        int: "whole number",
        float: "number",
        Decimal: "number",
        datetime: "date and time",
        date: "date (YYYY-MM-DD)",
    }.get(python_type, python_type.__name__)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE - {""}:
        return False
    raise ValueError(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    number = Decimal(str(value).strip())
    if number != number.to_integral_value():
        raise ValueError(value)
    return int(number)


def _decimal(value: Any, column: sa.Column) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(value)
    number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    if not number.is_finite():
        raise ValueError(value)
    scale = getattr(column.type, "scale", None)
    precision = getattr(column.type, "precision", None)
    exponent = number.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if scale is not None and decimals > scale:
        raise ValueProblem(f"{number} has {decimals} decimals; column {column.name} keeps {scale}.")
    if precision is not None and scale is not None:
        digits = len(str(abs(int(number))).lstrip("0"))
        if digits > precision - scale:
            raise ValueProblem(f"{number} is too large for column {column.name}.")
    return number


def _datetime(value: Any) -> datetime:
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value).strip())


def _date(value: Any) -> date:
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise ValueError(value)
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    return datetime.fromisoformat(text).date() if len(text) > 10 else date.fromisoformat(text)


def same(left: Any, right: Any, column: sa.Column) -> bool:
    """True when two values of ``column`` are equal once both are in the column's type.

    NULL and an empty text are the same to a person looking at a grid, so they compare equal.
    """
    left_missing = _is_missing(left) or left == ""
    right_missing = _is_missing(right) or right == ""
    if left_missing or right_missing:
        return left_missing and right_missing
    try:
        return coerce(left, column, where="comparison") == coerce(right, column, where="comparison")
    except ValueProblem:
        return display(left) == display(right)


# ---- sources of change sets ----------------------------------------------------------------


def changes_from_csv(path: Path, table: sa.Table) -> list[RowChange]:
    """The change set in a CSV file: key columns, changed columns, optional _delete and _expected_<column>.

    An empty cell leaves that column of an existing row as it is; ``\\N`` sets NULL.
    Whether a row is new is decided when the change is applied (its key is not in
    the table yet).
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"The change file {path} cannot be read ({exc}); give a UTF-8 CSV file.") from exc
    keys = [c.name for c in table.primary_key.columns]
    by_lower = {c.name.lower(): c.name for c in table.columns}
    missing = [k for k in keys if k.lower() not in {h.lower() for h in header}]
    if missing:
        raise ConfigurationError(
            f"The change file {path} has no column {', '.join(missing)}; every row needs the key of {table.name}."
        )
    plan: dict[str, tuple[str, str]] = {}  # header -> (kind, column)
    for name in header:
        lowered = name.lower()
        if lowered == DELETE_COLUMN:
            plan[name] = ("delete", "")
        elif lowered.startswith(EXPECTED_PREFIX) and lowered[len(EXPECTED_PREFIX) :] in by_lower:
            plan[name] = ("expected", by_lower[lowered[len(EXPECTED_PREFIX) :]])
        elif lowered in by_lower:
            plan[name] = ("value", by_lower[lowered])
        else:
            raise ConfigurationError(
                f"The change file {path} has column '{name}', which {table.name} does not have; "
                "fix the header (extra columns: _delete, _expected_<column>)."
            )
    changes = []
    for number, row in enumerate(rows, start=2):
        change = RowChange(key={})
        for name, (kind, column) in plan.items():
            cell = row.get(name)
            cell = "" if cell is None else cell
            if kind == "delete":
                if cell.strip().lower() not in _TRUE | _FALSE:
                    raise ConfigurationError(f"Line {number} of {path}: _delete is {cell!r}; use 1 or leave it empty.")
                change.delete = cell.strip().lower() in _TRUE
            elif column in keys:
                if cell.strip() in ("", NULL_MARKER):
                    raise ConfigurationError(f"Line {number} of {path}: the key column {column} is empty.")
                change.key[column] = cell
            elif kind == "expected":
                if cell != "":
                    change.expected[column] = None if cell == NULL_MARKER else cell
            elif cell != "":
                change.values[column] = None if cell == NULL_MARKER else cell
        changes.append(change)
    return changes


def changes_from_edit(
    table: sa.Table, original: list[dict[str, Any]], edited: list[dict[str, Any]], deleted_keys: list[dict[str, Any]]
) -> list[RowChange]:
    """The change set between the rows as read and as edited in the data editor.

    Rows are matched by key. A row whose key is not among the originals is new; an
    original row whose cells differ is updated (only the differing columns are
    sent, every column it was read with is expected unchanged); rows the steward
    marked for deletion are removed. Editing a key is refused: delete the row and
    add a new one instead, so the audit log keeps one identity per row.
    """
    keys = [c.name for c in table.primary_key.columns]
    columns = [c.name for c in table.columns]
    before = {_key_tuple(row, keys): row for row in original}
    deleted = {_key_tuple(row, keys) for row in deleted_keys}
    changes: list[RowChange] = []
    seen: set[tuple] = set()
    for position, row in enumerate(edited, start=1):
        if all(_is_missing(row.get(c)) or row.get(c) == "" for c in columns):
            continue  # an empty line the editor added and the steward left blank
        ident = _key_tuple(row, keys)
        if any(_is_missing(v) or v == "" for v in ident):
            raise ValueProblem(f"Row {position}: fill in the key ({', '.join(keys)}) of the new row.")
        if ident in seen:
            raise ValueProblem(f"Row {position}: the key {ident if len(ident) > 1 else ident[0]} appears twice.")
        seen.add(ident)
        if ident in deleted:
            continue  # removed (or, for a row added and ticked in the same session, never written)
        old = before.get(ident)
        key = dict(zip(keys, ident))
        if old is None:
            values = {c: row.get(c) for c in columns if c not in keys and not _is_missing(row.get(c))}
            changes.append(RowChange(key=key, values=values, is_new=True))
            continue
        changed = {c: row.get(c) for c in columns if c in row and not same(row.get(c), old.get(c), table.c[c])}
        if changed:
            expected = {c: old.get(c) for c in columns if c in old and c not in keys}
            changes.append(RowChange(key=key, values=changed, expected=expected))
    for ident in deleted:
        old = before.get(ident)
        if old is None:
            continue
        expected = {c: old.get(c) for c in columns if c in old and c not in keys}
        changes.append(RowChange(key=dict(zip(keys, ident)), expected=expected, delete=True))
    missing = [ident for ident in before if ident not in seen and ident not in deleted]
    if missing:
        raise ValueProblem(
            f"{len(missing)} row(s) disappeared from the editor; tick 'delete' on a row to remove it instead."
        )
    return changes


def _key_tuple(row: dict[str, Any], keys: list[str]) -> tuple:
    """The key as comparable text; 5.0 (a number column with gaps in pandas) is 5."""
    parts = []
    for k in keys:
        value = row.get(k)
        if _is_missing(value):
            parts.append(None)
        elif isinstance(value, float) and value.is_integer():
            parts.append(str(int(value)))
        else:
            parts.append(display(value))
    return tuple(parts)
