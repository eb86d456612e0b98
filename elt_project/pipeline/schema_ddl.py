"""ALTER TABLE statements for a changed feed: a new column, or a column that must widen.

Types come from :mod:`.setup_ddl` (the same mapping ``setup-sql`` uses), identifiers
are quoted by the dialect's preparer. ``ADD`` without ``COLUMN`` is the one spelling
SQL Server, PostgreSQL and SQLite all accept. SQLite cannot change a column's type
in place, so its widening proposal says how to do it instead of pretending.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from elt_project.db.dialect_traits import traits
from elt_project.pipeline.setup_ddl import Column, merge_columns, sql_type, staged_type, table_ref
from elt_project.pipeline.tables import display_name


def add_column(table: str, name: str, logical: str, dialect: Dialect, *, staging: bool) -> str:
    """``ALTER TABLE t ADD c TYPE NULL`` (the staged type for a staging table: booleans wait as text)."""
    prep = dialect.identifier_preparer
    type_ = sql_type(staged_type(logical) if staging else logical).compile(dialect=dialect)
    return f"ALTER TABLE {prep.format_table(table_ref(table))} ADD {prep.quote(_quoted(name))} {type_} NULL"


def widen_column(table: str, name: str, logical: str, dialect: Dialect) -> str:
    """The statement that gives column ``name`` the wider ``logical`` type, for ``dialect``."""
    prep = dialect.identifier_preparer
    target = prep.format_table(table_ref(table))
    column = prep.quote(_quoted(name))
    type_ = sql_type(logical).compile(dialect=dialect)
    template = traits(dialect).alter_column_type
    if template is not None:
        return f"ALTER TABLE {target} ALTER COLUMN {column} " + template.format(type=type_)
    return (
        f"-- SQLite cannot change a column's type in place: create {target} again with {column} {type_}, "
        "copy the rows across, then drop the old table"
    )


def logical_of(column: sa.Column) -> str | None:
    """The logical type (as ``setup-sql`` names them) of a reflected column, None for other types."""
    type_ = column.type
    if isinstance(type_, sa.Integer):
        return "integer"
    if isinstance(type_, sa.Float):
        return "float"
    if isinstance(type_, sa.Numeric) and type_.precision is not None:
        return f"decimal({type_.precision},{type_.scale or 0})"
    if isinstance(type_, sa.String) and getattr(type_, "length", None):
        return f"string({type_.length})"
    return None


def wider(current: str, seen: str) -> str:
    """A type holding both the column's current values and the file's (setup-sql's merge rule)."""
    return merge_columns([Column("", "c", current)], [Column("", "c", seen)])[0].logical


def widening_statements(tables: list[sa.Table], name: str, seen: str, dialect: Dialect) -> list[str]:
    """Proposed statements for every table among ``tables`` whose column ``name`` is narrower than needed."""
    statements = []
    for table in tables:
        column = next((c for c in table.columns if c.name.lower() == name.lower()), None)
        if column is None:
            continue
        current = logical_of(column)
        if current is None:
            continue
        proposed = wider(current, seen)
        if proposed != current:
            statements.append(widen_column(display_name(table), column.name, proposed, dialect) + ";")
    return statements


def _quoted(name: str):
    return sa.sql.quoted_name(name, quote=True)
