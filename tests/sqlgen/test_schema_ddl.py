"""ALTER TABLE for a changed feed, per dialect; the SQL Server text is parsed by sqlglot (no server here)."""

from __future__ import annotations

import pytest
import sqlglot
from pydantic import ValidationError
from sqlglot import exp

from elt_project.config.models import PipelineConfig
from elt_project.db.tsql_scripts import dialect_for
from elt_project.pipeline import schema_ddl


def test_mssql_add_column_is_valid_tsql_with_the_setup_sql_types():
    dialect = dialect_for("mssql")
    money = schema_ddl.add_column("dbo.dest_orders", "discount", "decimal(6,2)", dialect, staging=False)
    assert money == "ALTER TABLE [dbo].[dest_orders] ADD [discount] NUMERIC(6, 2) NULL"
    flag = schema_ddl.add_column("stg_orders", "paid", "boolean", dialect, staging=True)
    assert flag == "ALTER TABLE [stg_orders] ADD [paid] NVARCHAR(10) NULL"  # booleans wait in staging as text
    for statement in (money, flag):
        parsed = sqlglot.parse_one(statement, read="tsql")
        assert isinstance(parsed, exp.Alter)
        assert parsed.find(exp.ColumnDef) is not None


def test_mssql_widening_is_valid_tsql_alter_column():
    dialect = dialect_for("mssql")
    statement = schema_ddl.widen_column("dest_orders", "order_id", "decimal(20,1)", dialect)
    assert statement == "ALTER TABLE [dest_orders] ALTER COLUMN [order_id] NUMERIC(20, 1) NULL"
    parsed = sqlglot.parse_one(statement, read="tsql")
    assert isinstance(parsed, exp.Alter)
    text = schema_ddl.widen_column("dest_orders", "customer", "string(255)", dialect)
    assert text.endswith("ALTER COLUMN [customer] NVARCHAR(255) NULL")
    sqlglot.parse_one(text, read="tsql")


def test_widening_merges_like_setup_sql():
    assert schema_ddl.wider("integer", "decimal(3,1)") == "decimal(20,1)"
    assert schema_ddl.wider("decimal(12,2)", "decimal(4,3)") == "decimal(13,3)"
    assert schema_ddl.wider("string(40)", "string(255)") == "string(255)"


def test_schema_policy_is_validated():
    base = {
        "pipeline_name": "p",
        "import_name": "i",
        "file_type": "csv",
        "staging_table": "s",
        "destination_table": "d",
    }
    assert PipelineConfig(**base).schema_policy == "freeze"
    assert PipelineConfig(**base, schema_policy=" Evolve ").schema_policy == "evolve"
    assert PipelineConfig(**base, schema_policy=None).schema_policy == "freeze"
    with pytest.raises(ValidationError, match="'drop' is not a schema policy"):
        PipelineConfig(**base, schema_policy="drop")
