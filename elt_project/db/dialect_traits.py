"""What the rest of the code may ask about a warehouse's dialect, as named facts instead of name tests.

DESIGN.md keeps dialect differences in ``db/``. The big ones are code here (bulk load, truncate,
upsert, casts in :mod:`.dialects`, :mod:`.dialect_expressions`, :mod:`.exact_casts`); the small
ones are yes/no facts and snippets that other modules used to get by writing
``dialect.name == "sqlite"``. Asking ``traits(dialect).transforms_as_script`` says why the code
branches, and a fourth warehouse is one more entry in :data:`_TRAITS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class DialectTraits:
    name: str
    #: The generated transform is a SQL script run by the engine (SQLite has no stored procedures).
    transforms_as_script: bool
    #: Put between the statements of a generated script (SQL Server's batch separator).
    script_separator: str
    #: The DB-API driver commits DDL on its own unless a transaction is opened first (Python's sqlite3).
    ddl_needs_explicit_begin: bool
    #: String literals that may hold any Unicode text need the N'' form (SQL Server).
    unicode_literal_prefix: bool
    #: ``ALTER TABLE t ALTER COLUMN c <template>`` that changes a column's type; None: it cannot be done in place.
    alter_column_type: str | None
    #: The warehouse can hold a least-privilege login for the hub (a PostgreSQL role).
    has_reader_role: bool
    #: A file next to the application (the demo installs itself only there).
    embedded: bool


_TRAITS = {
    "sqlite": DialectTraits(
        name="sqlite",
        transforms_as_script=True,
        script_separator="",
        ddl_needs_explicit_begin=True,
        unicode_literal_prefix=False,
        alter_column_type=None,
        has_reader_role=False,
        embedded=True,
    ),
    "postgresql": DialectTraits(
        name="postgresql",
        transforms_as_script=False,
        script_separator="",
        ddl_needs_explicit_begin=False,
        unicode_literal_prefix=False,
        alter_column_type="TYPE {type}",
        has_reader_role=True,
        embedded=False,
    ),
    "mssql": DialectTraits(
        name="mssql",
        transforms_as_script=False,
        script_separator="GO\n",
        ddl_needs_explicit_begin=False,
        unicode_literal_prefix=True,
        alter_column_type="{type} NULL",
        has_reader_role=False,
        embedded=False,
    ),
}


def traits(dialect: Dialect | str) -> DialectTraits:
    """The traits of ``dialect`` (a SQLAlchemy dialect or its name); an unknown one is treated as PostgreSQL-like."""
    name = dialect if isinstance(dialect, str) else dialect.name
    return _TRAITS.get(name, _TRAITS["postgresql"])
