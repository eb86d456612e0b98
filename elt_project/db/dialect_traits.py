"""What the rest of the code may ask about a warehouse's dialect, as named facts instead of name tests.

DESIGN.md keeps dialect differences in ``db/``. The big ones are code here (bulk load, truncate,
upsert, casts in :mod:`.dialects`, :mod:`.dialect_expressions`, :mod:`.exact_casts`, date buckets
in :mod:`.date_buckets`, re-runnable DDL and transform procedures in :mod:`.ddl_text`); the small
ones are yes/no facts and snippets that other modules used to get by writing
``dialect.name == "sqlite"``. Asking ``traits(dialect).transforms_as_script`` says why the code
branches, and a fourth warehouse is one more entry in :data:`_TRAITS`. Nothing outside ``db/``
compares a dialect's name (tests/test_dialect_branches.py fails when something does).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL, Dialect


@dataclass(frozen=True)
class DialectTraits:
    name: str
    #: How a person names the warehouse's SQL (told to the language model that writes it).
    label: str
    #: sqlglot's name for the dialect: the language the hub's SQL validator parses.
    sqlglot: str
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
    #: A column default that is "now, in UTC" (SQLite's CURRENT_TIMESTAMP already is).
    utc_now: str
    #: Every INTEGER column holds 64 bits, whatever its declared size (SQLite).
    integers_are_64_bit: bool
    #: NUMERIC(p, s) values are kept exactly; SQLite keeps them as floats, so a sum carries binary noise.
    exact_decimals: bool
    #: Text compares code point by code point, as Arrow does; SQL Server's collations compare their own way.
    text_compares_exactly: bool
    #: ORDER BY may name an aggregate by its quoted label; on SQL Server the aggregate is repeated instead.
    orders_by_label: bool
    #: ORDER BY takes ``NULLS LAST`` (SQL Server has no such clause).
    has_nulls_last: bool
    #: How the hub's queries are kept from writing: a read-only ``file`` connection, a reader ``role``
    #: in a read-only transaction, or a reader ``user`` the connection switches to for good.
    read_only_guard: str
    #: The numbered setup scripts of the metadata tables are checked into ``sql/`` for its DBAs.
    scripts_in_project: bool


_TRAITS = {
    "sqlite": DialectTraits(
        name="sqlite",
        label="SQLite",
        sqlglot="sqlite",
        transforms_as_script=True,
        script_separator="",
        ddl_needs_explicit_begin=True,
        unicode_literal_prefix=False,
        alter_column_type=None,
        has_reader_role=False,
        embedded=True,
        utc_now="CURRENT_TIMESTAMP",
        integers_are_64_bit=True,
        exact_decimals=False,
        text_compares_exactly=True,
        orders_by_label=True,
        has_nulls_last=True,
        read_only_guard="file",
        scripts_in_project=False,
    ),
    "postgresql": DialectTraits(
        name="postgresql",
        label="PostgreSQL",
        sqlglot="postgres",
        transforms_as_script=False,
        script_separator="",
        ddl_needs_explicit_begin=False,
        unicode_literal_prefix=False,
        alter_column_type="TYPE {type}",
        has_reader_role=True,
        embedded=False,
        utc_now="(now() AT TIME ZONE 'utc')",
        integers_are_64_bit=False,
        exact_decimals=True,
        text_compares_exactly=True,
        orders_by_label=True,
        has_nulls_last=True,
        read_only_guard="role",
        scripts_in_project=False,
    ),
    "mssql": DialectTraits(
        name="mssql",
        label="SQL Server (T-SQL)",
        sqlglot="tsql",
        transforms_as_script=False,
        script_separator="GO\n",
        ddl_needs_explicit_begin=False,
        unicode_literal_prefix=True,
        alter_column_type="{type} NULL",
        has_reader_role=False,
        embedded=False,
        utc_now="SYSUTCDATETIME()",
        integers_are_64_bit=False,
        exact_decimals=True,
        text_compares_exactly=False,
        orders_by_label=False,
        has_nulls_last=False,
        read_only_guard="user",
        scripts_in_project=True,
    ),
}


def traits(dialect: Dialect | str) -> DialectTraits:
    """The traits of ``dialect`` (a SQLAlchemy dialect or its name); an unknown one is treated as PostgreSQL-like."""
    return known_traits(dialect) or _TRAITS["postgresql"]


def known_traits(dialect: Dialect | str) -> DialectTraits | None:
    """The traits of ``dialect``, or None for a warehouse the project does not know (to refuse, not guess)."""
    name = dialect if isinstance(dialect, str) else dialect.name
    return _TRAITS.get(name)


def dialect_named(name: str) -> Dialect:
    """A SQLAlchemy dialect object for a dialect name, with its default driver (nothing connects)."""
    return URL.create(name).get_dialect()()
