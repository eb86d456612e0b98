"""The per-dialect facts the pipeline and the launcher ask instead of testing a dialect's name."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import mssql, postgresql, sqlite

from elt_project.analytics.sql_safety import UnsafeQuery, sqlglot_dialect
from elt_project.db.dialect_traits import dialect_named, known_traits, traits
from elt_project.pipeline.schema_ddl import widen_column


def test_each_warehouse_has_its_facts():
    assert traits("sqlite").transforms_as_script and traits("sqlite").embedded
    assert not traits("postgresql").transforms_as_script and traits("postgresql").has_reader_role
    assert traits("mssql").script_separator == "GO\n" and traits("mssql").unicode_literal_prefix
    assert traits(sqlite.dialect()) is traits("sqlite")


def test_widening_a_column_is_spelled_per_dialect():
    assert widen_column("t", "c", "integer", postgresql.dialect()) == 'ALTER TABLE "t" ALTER COLUMN "c" TYPE BIGINT'
    assert widen_column("t", "c", "integer", mssql.dialect()) == "ALTER TABLE [t] ALTER COLUMN [c] BIGINT NULL"
    assert widen_column("t", "c", "integer", sqlite.dialect()).startswith("-- SQLite cannot change")


def test_an_unknown_dialect_is_refused_where_guessing_would_be_unsafe():
    assert known_traits("mssql") is traits("mssql") and known_traits("oracle") is None
    with pytest.raises(UnsafeQuery, match="does not know how to check SQL for 'oracle'"):
        sqlglot_dialect("oracle")
    assert [sqlglot_dialect(name) for name in ("sqlite", "postgresql", "mssql")] == ["sqlite", "postgres", "tsql"]


def test_a_dialect_object_is_made_from_its_name():
    assert [type(dialect_named(name)) for name in ("sqlite", "postgresql", "mssql")] == [
        type(sqlite.dialect()),
        type(postgresql.dialect()),
        type(mssql.dialect()),
    ]
