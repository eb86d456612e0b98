"""Building blocks of the setup SQL: sampled columns, safe names, typed tables, transforms.

Kept apart from ``setup_sql`` (which assembles a script per pipeline group) so each
piece is small and testable. Tables are SQLAlchemy ``Table`` objects compiled for
the dialect, so types and identifier quoting come from SQLAlchemy; the procedural
glue that differs per dialect (create-if-missing, boolean spellings, the stored
procedure) is :mod:`elt_project.db.ddl_text`, handed names quoted by the dialect's
preparer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import quoted_name

from elt_project.db import ddl_text
from elt_project.db.ddl_text import Timestamp
from elt_project.db.dialect_traits import traits
from elt_project.db.schema import RUN_ID_COLUMN, SOURCE_HASH_COLUMN, SOURCE_ROW_COLUMN, LongText, Name
from elt_project.pipeline.setup_columns import (  # re-exported: callers know them from here
    LINEAGE_COLUMNS,
    LOAD_TIMESTAMP,
    MAX_IDENTIFIER,
    Column,
    safe_column_names,
    sample_columns,
    sample_headers,
)

#: Longer strings become NVARCHAR(MAX) / TEXT.
MAX_BOUNDED_STRING = 4000
__all__ = [
    "LINEAGE_COLUMNS",
    "LOAD_TIMESTAMP",
    "MAX_IDENTIFIER",
    "Column",
    "TransformStep",
    "safe_column_names",
    "sample_columns",
    "sample_headers",
]
_STRING = re.compile(r"^string\((\d+)\)$")
_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
#: Digits of the largest BIGINT, for an integer column merged into a decimal one.
_BIGINT_DIGITS = 19


@dataclass(frozen=True)
class TransformStep:
    """One staging -> destination copy inside a transform."""

    staging_table: str
    destination_table: str
    columns: list[Column]


def merge_columns(existing: list[Column] | None, new: list[Column]) -> list[Column]:
    """Union of two imports' columns feeding one table; a type conflict widens to a string."""
    if not existing:
        return list(new)
    merged = {column.name: column for column in existing}
    for column in new:
        old = merged.get(column.name)
        merged[column.name] = (
            column
            if old is None
            else Column(old.source, old.name, _wider(old.logical, column.logical), _merged_basis(old, column))
        )
    return list(merged.values())


def _merged_basis(old: Column, new: Column) -> str:
    if old.logical == new.logical or not new.basis:
        return old.basis
    return f"{old.basis}; another import's sample: {new.basis}"


def _wider(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"integer", "float"}:
        return "float"
    a_decimal, b_decimal = _decimal_parts(a), _decimal_parts(b)
    if a_decimal and b_decimal:
        (p1, s1), (p2, s2) = a_decimal, b_decimal
        scale = max(s1, s2)
        return f"decimal({min(38, max(p1 - s1, p2 - s2) + scale)},{scale})"
    if a_decimal or b_decimal:
        decimal, other = (a, b) if a_decimal else (b, a)
        if other == "integer":
            return _wider_than_integer(decimal)
        if other == "float":
            return "float"
    if {a, b} == {"date", "datetime"}:
        return "datetime"
    if _STRING.match(a) and _STRING.match(b):
        return f"string({max(_string_length(a), _string_length(b))})"
    return f"string({max(_string_length(a), _string_length(b), 255)})"


def _decimal_parts(logical: str) -> tuple[int, int] | None:
    match = _DECIMAL.match(logical)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _wider_than_integer(decimal: str) -> str:
    """A decimal type that also holds every BIGINT (when it can within 38 digits; else a float)."""
    precision, scale = _decimal_parts(decimal)
    if _BIGINT_DIGITS + scale > 38:
        return "float"
    return f"decimal({max(precision, _BIGINT_DIGITS + scale)},{scale})"


def _string_length(logical: str) -> int:
    match = _STRING.match(logical)
    return int(match.group(1)) if match else 0


# ---- tables --------------------------------------------------------------------------------


def sql_type(logical: str) -> sa.types.TypeEngine:
    """The column type for a logical type; NVARCHAR on SQL Server so any script survives."""
    if logical == "integer":
        return sa.BigInteger()
    if logical == "float":
        return sa.Float(precision=53)
    if decimal := _decimal_parts(logical):
        return sa.Numeric(*decimal)
    if logical == "boolean":
        return sa.Boolean(create_constraint=False)
    if logical == "date":
        return sa.Date()
    if logical == "datetime":
        return Timestamp
    length = _string_length(logical) if _STRING.match(logical) else 255
    if length > MAX_BOUNDED_STRING:
        return LongText
    return Name(max(length, 1))


def _name(value: str) -> quoted_name:
    return quoted_name(value, quote=True)


def table_ref(name: str, metadata: sa.MetaData | None = None, *columns: sa.Column) -> sa.Table:
    """A table object for a configured name (``table`` or ``schema.table``), always quoted."""
    schema, _, table = name.rpartition(".")
    return sa.Table(_name(table), metadata or sa.MetaData(), *columns, schema=_name(schema) if schema else None)


#: How booleans wait in staging: as text. SQL Server's BIT rejects 'yes' and SQLite
#: keeps 'true' as text, so the transform turns the spellings into a real boolean.
STAGED_BOOLEAN = "string(10)"


def staged_type(logical: str) -> str:
    """The logical type a column has in staging (booleans stay text until the transform)."""
    return STAGED_BOOLEAN if logical == "boolean" else logical


def staging_table(name: str, columns: list[Column]) -> sa.Table:
    """Business columns (nullable) plus the lineage columns the engine fills."""
    return table_ref(
        name,
        None,
        *[sa.Column(_name(c.name), sql_type(staged_type(c.logical)), nullable=True) for c in columns],
        sa.Column(_name(RUN_ID_COLUMN), sql_type("string(255)"), nullable=True),
        sa.Column(_name(SOURCE_HASH_COLUMN), sql_type("string(64)"), nullable=True),
        sa.Column(_name(SOURCE_ROW_COLUMN), sa.BigInteger(), nullable=True),
    )


def destination_table(name: str, columns: list[Column], dialect: Dialect) -> sa.Table:
    """Business columns, ``source_file_hash`` and ``load_timestamp`` in UTC, filled by the database.

    The file hash says which file each row came from, so ``elt run --reload`` can
    take exactly one file's rows out of an append destination before loading it again.
    """
    utc_now = sa.text(traits(dialect).utc_now)
    return table_ref(
        name,
        None,
        *[sa.Column(_name(c.name), sql_type(c.logical), nullable=True) for c in columns],
        sa.Column(_name(SOURCE_HASH_COLUMN), sql_type("string(64)"), nullable=True),
        sa.Column(
            _name(LOAD_TIMESTAMP),
            Timestamp,
            server_default=utc_now,
        ),
    )


def run_id_index(table: sa.Table) -> sa.Index:
    """An index on the run id: every transform and quality check filters staging on it."""
    name = f"ix_{table.name}_{RUN_ID_COLUMN}"
    if len(name) > MAX_IDENTIFIER:
        digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
        name = f"{name[: MAX_IDENTIFIER - 9]}_{digest}"
    return sa.Index(_name(name), table.c[RUN_ID_COLUMN])


# ---- transforms ----------------------------------------------------------------------------


def _select_expression(column: Column, dialect: Dialect) -> str:
    """The staged column as the destination wants it: boolean spellings become a boolean."""
    quoted = dialect.identifier_preparer.quote(_name(column.name))
    if column.logical != "boolean":
        return quoted
    return ddl_text.boolean_from_text(quoted, dialect)


def _insert_select(step: TransformStep, dialect: Dialect, run_id: str) -> str:
    quote = dialect.identifier_preparer.quote
    prep = dialect.identifier_preparer
    lineage = quote(_name(SOURCE_HASH_COLUMN))
    columns = ", ".join([*(quote(_name(c.name)) for c in step.columns), lineage])
    selected = ", ".join([*(_select_expression(c, dialect) for c in step.columns), lineage])
    return (
        f"INSERT INTO {prep.format_table(table_ref(step.destination_table))} ({columns})\n"  # noqa: S608 — generated script text: identifiers quoted by the dialect, names as literals
        f"    SELECT {selected}\n"
        f"    FROM {prep.format_table(table_ref(step.staging_table))}\n"
        f"    WHERE {quote(_name(RUN_ID_COLUMN))} = {run_id};"
    )


def _destinations(steps: list[TransformStep]) -> list[str]:
    return list(dict.fromkeys(step.destination_table for step in steps))


def create_procedure(name: str, steps: list[TransformStep], dialect: Dialect) -> str:
    """The transform procedure (SQL Server, PostgreSQL): truncate listed destinations, then copy this run's rows."""
    prep = dialect.identifier_preparer
    destinations = [(table, prep.format_table(table_ref(table))) for table in _destinations(steps)]
    return ddl_text.transform_procedure(
        prep.format_table(table_ref(name)),
        destinations,
        lambda run_id: [_insert_select(step, dialect, run_id) for step in steps],
        dialect,
    )


def sqlite_script(name: str, steps: list[TransformStep], dialect: Dialect) -> str:
    """Content of ``transforms/<name>.sql``: the engine empties replace destinations, this copies the rows."""
    lines = [
        f"-- Transform {name}: run by the engine with :run_id and :tables_to_truncate.",
        "-- SQLite has no procedures; the engine empties 'replace' destinations before this script runs.",
    ]
    lines += [_insert_select(step, dialect, ":run_id") for step in steps]
    return "\n".join(lines) + "\n"
