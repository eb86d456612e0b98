"""Helpers for engine tests: configs, tables and CSV files built from real parts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.config.repository import get_pipeline_config
from tests.config_rows import insert_config

STAGING_DDL = (
    "CREATE TABLE stg_sales (order_id VARCHAR(50), customer VARCHAR(100), amount VARCHAR(50), "
    "status VARCHAR(10), category VARCHAR(50), dagster_run_id VARCHAR(255), source_file_hash VARCHAR(64), "
    "source_row_number BIGINT)"
)
DEST_DDL = (
    "CREATE TABLE dest_sales (order_id INTEGER, customer VARCHAR(100), amount NUMERIC(12,2), "
    "status VARCHAR(10), category VARCHAR(50))"
)
HEADER = ["order_id", "customer", "amount", "status"]


def execute(engine, *statements: str, params: dict | None = None) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params or {})


def query(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def write_csv(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def sales_tables(engine):
    execute(engine, STAGING_DDL, DEST_DDL)
    return engine


@pytest.fixture
def add_config(engine, inbox):
    """Insert an elt_pipeline_configs row (sales defaults) and return the validated model."""

    def add(**values):
        row = {
            "pipeline_name": "sales",
            "import_name": "sales_daily",
            "file_pattern": "sales_*.csv",
            "monitored_directory": str(inbox),
            "file_type": "csv",
            "staging_table": "stg_sales",
            "destination_table": "dest_sales",
            "load_method": "replace",
            "is_active": 1,
        }
        row.update(values)
        insert_config(engine, **row)
        return get_pipeline_config(engine, row["import_name"])

    return add


def add_rule(engine, name, column, check, expression=None, severity="FAIL", table="stg_sales"):
    execute(
        engine,
        "INSERT INTO data_quality_rules (rule_name, target_table, target_column, check_type, check_expression, "
        "severity, is_active) VALUES (:n, :t, :c, :k, :e, :s, 1)",
        params={"n": name, "t": table, "c": column, "k": check, "e": expression, "s": severity},
    )
