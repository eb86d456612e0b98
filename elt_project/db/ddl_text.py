"""Setup SQL as script text, per dialect: re-runnable DDL, boolean spellings and the transform procedure.

The setup SQL a new feed gets (:mod:`elt_project.pipeline.setup_ddl`) is a script a
person reads and may hand to a DBA, so it is text, not statements run by SQLAlchemy.
Tables and indexes are compiled by SQLAlchemy; what is written here by hand is the
procedural glue that differs per dialect: "create it only when it is missing", the
CASE that turns boolean spellings into a boolean, the stored procedure around the
transform's INSERT ... SELECT statements (SQL Server, PostgreSQL; SQLite has none) and
the catalog query that says whether that procedure exists. Identifiers arrive quoted
by the dialect's preparer and strings are rendered as literals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import mssql
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from elt_project.db.boolean_words import FALSE_WORDS, TRUE_WORDS
from elt_project.db.dialect_traits import traits
from elt_project.errors import ConfigurationError

#: A timestamp column type: DATETIME2 on SQL Server, whose DATETIME rounds to 1/300 of a second.
Timestamp = sa.DateTime().with_variant(mssql.DATETIME2(), "mssql")

_TRUE_WORDS = ", ".join(f"'{word}'" for word in TRUE_WORDS)
_FALSE_WORDS = ", ".join(f"'{word}'" for word in FALSE_WORDS)
#: Given the name of the procedure's run-id parameter, the INSERT ... SELECT statements of one transform.
Inserts = Callable[[str], list[str]]


def literal(value: str, dialect: Dialect) -> str:
    """A string literal rendered by SQLAlchemy (quotes doubled; N'' on SQL Server)."""
    type_ = mssql.NVARCHAR() if traits(dialect).unicode_literal_prefix else sa.String()
    return str(sa.literal(value, type_=type_).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def compiled(element: sa.ClauseElement, dialect: Dialect) -> str:
    """``element`` as SQL text for ``dialect``, without trailing spaces."""
    return "\n".join(line.rstrip() for line in str(element.compile(dialect=dialect)).strip().splitlines())


def create_table(table: sa.Table, dialect: Dialect) -> str:
    """CREATE TABLE that does nothing when the table exists (re-runnable)."""
    if dialect.name == "mssql":
        ddl = compiled(CreateTable(table), dialect)
        target = literal(dialect.identifier_preparer.format_table(table), dialect)
        return f"IF OBJECT_ID({target}, N'U') IS NULL\nBEGIN\n{ddl};\nEND"
    return compiled(CreateTable(table, if_not_exists=True), dialect) + ";"


def create_index(index: sa.Index, dialect: Dialect) -> str:
    """CREATE INDEX that does nothing when the index exists."""
    if dialect.name == "mssql":
        table = literal(dialect.identifier_preparer.format_table(cast(sa.Table, index.table)), dialect)
        return (
            f"IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = {literal(str(index.name), dialect)} "  # noqa: S608 — generated script text: identifiers quoted by the dialect, names as literals
            f"AND object_id = OBJECT_ID({table}))\nBEGIN\n{compiled(CreateIndex(index), dialect)};\nEND"
        )
    return compiled(CreateIndex(index, if_not_exists=True), dialect) + ";"


def boolean_from_text(quoted: str, dialect: Dialect) -> str:
    """The staged text column ``quoted`` (already quoted) as a boolean: known spellings, else NULL."""
    if dialect.name == "mssql":
        word, yes, no = f"LOWER(LTRIM(RTRIM({quoted})))", "1", "0"
    elif dialect.name == "postgresql":
        word, yes, no = f"lower(btrim({quoted}))", "TRUE", "FALSE"
    else:
        word, yes, no = f"lower(trim({quoted}))", "1", "0"
    return f"CASE WHEN {word} IN ({_TRUE_WORDS}) THEN {yes} WHEN {word} IN ({_FALSE_WORDS}) THEN {no} END"


def transform_procedure(
    procedure: str, destinations: Sequence[tuple[str, str]], inserts: Inserts, dialect: Dialect
) -> str:
    """The transform procedure: truncate the listed destinations first, then copy this run's rows.

    ``procedure`` is the quoted name; ``destinations`` pairs each destination's configured
    name (what a caller lists in ``tables_to_truncate``) with its quoted name. Truncating
    all listed destinations before any insert keeps rows when two imports share a destination.
    """
    if dialect.name == "mssql":
        return _mssql_procedure(procedure, destinations, inserts("@run_id"), dialect)
    if dialect.name == "postgresql":
        return _postgresql_procedure(procedure, destinations, inserts("p_run_id"), dialect)
    raise ConfigurationError(f"{dialect.name} has no stored procedures; use a transform script instead.")


def _mssql_procedure(
    procedure: str, destinations: Sequence[tuple[str, str]], inserts: list[str], dialect: Dialect
) -> str:
    lines = [
        f"CREATE OR ALTER PROCEDURE {procedure}",
        "    @run_id NVARCHAR(255),",
        "    @tables_to_truncate NVARCHAR(MAX) = NULL",
        "AS",
        "BEGIN",
        "    SET NOCOUNT ON;",
    ]
    for name, quoted in destinations:
        lines += [
            (
                "    IF EXISTS (SELECT 1 FROM STRING_SPLIT(@tables_to_truncate, N',') "  # noqa: S608 — generated script text: identifiers quoted by the dialect, names as literals
                f"WHERE LTRIM(RTRIM(value)) = {literal(name, dialect)})"
            ),
            "    BEGIN",
            f"        TRUNCATE TABLE {quoted};",
            "    END;",
        ]
    lines += ["    " + insert for insert in inserts]
    lines.append("END;")
    return "\n".join(lines)


def _postgresql_procedure(
    procedure: str, destinations: Sequence[tuple[str, str]], inserts: list[str], dialect: Dialect
) -> str:
    body = [
        "DECLARE",
        (
            "    truncate_list text[] := ARRAY(SELECT lower(btrim(item)) FROM "
            "unnest(string_to_array(coalesce(p_tables_to_truncate, ''), ',')) AS item);"
        ),
        "BEGIN",
    ]
    for name, quoted in destinations:
        body += [
            f"    IF {literal(name.lower(), dialect)} = ANY (truncate_list) THEN",
            f"        TRUNCATE TABLE {quoted};",
            "    END IF;",
        ]
    body += ["    " + insert for insert in inserts]
    body.append("END;")
    text = "\n".join(body)
    tag = "$transform$"
    while tag in text:
        tag = tag[:-1] + "_$"
    return (
        f"CREATE OR REPLACE PROCEDURE {procedure}"
        "(p_run_id text, p_tables_to_truncate text DEFAULT NULL)\n"
        f"LANGUAGE plpgsql\nAS {tag}\n{text}\n{tag};"
    )


def procedure_exists(conn: Connection, name: str) -> bool:
    """True when a procedure of this name exists (SQL Server, PostgreSQL); always False on SQLite."""
    schema, _, procedure = name.rpartition(".")
    if conn.dialect.name == "mssql":
        query = sa.text("SELECT OBJECT_ID(:name, N'P')").bindparams(name=name)
        return conn.execute(query).scalar() is not None
    if conn.dialect.name == "postgresql":
        query = sa.text(
            "SELECT count(*) FROM pg_catalog.pg_proc p "
            "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = :name AND p.prokind = 'p' AND n.nspname = coalesce(:schema, current_schema())"
        ).bindparams(name=procedure, schema=schema or None)
        return bool(conn.execute(query).scalar())
    return False
