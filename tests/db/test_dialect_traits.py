"""The per-dialect facts the pipeline and the launcher ask instead of testing a dialect's name."""

from __future__ import annotations

from sqlalchemy.dialects import mssql, postgresql, sqlite

from elt_project.db.dialect_traits import traits
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
