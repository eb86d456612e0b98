"""Fixtures for the Dagster code location: config rows in a real warehouse, a real Dagster instance."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from elt_project.db import schema
from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import read_snapshot
from tests.config_rows import insert_config


def add_config(engine, **values) -> int:
    """Insert one elt_pipeline_configs row with workable defaults; returns its id."""
    row = {
        "pipeline_name": "Sales",
        "import_name": "daily_sales",
        "file_pattern": "sales_*.csv",
        "monitored_directory": None,
        "connection_string": None,
        "file_type": "csv",
        "staging_table": "stg_sales",
        "destination_table": "sales",
        "parser_function": None,
        "transform_procedure": None,
        "load_method": "append",
        "deduplication_key": None,
        "depends_on": None,
        "is_active": 1,
    }
    row.update(values)
    return insert_config(engine, **row)


def add_rule(engine, **values) -> None:
    row = {
        "rule_name": "amount not null",
        "description": None,
        "target_table": "stg_sales",
        "target_column": "amount",
        "check_type": "NOT_NULL",
        "check_expression": None,
        "severity": "FAIL",
        "is_active": 1,
    }
    row.update(values)
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.data_quality_rules).values(**row))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def warehouse(settings, tmp_path: Path) -> WarehouseResource:
    """The resource pinned to the test warehouse; generated files go under tmp_path/out."""
    return WarehouseResource.for_settings(settings, output_dir=tmp_path / "out")


@pytest.fixture
def build_defs(engine, settings, warehouse):
    """Build the definitions from the warehouse as it is now (one load of the code location)."""

    def _build(settings_=None) -> dg.Definitions:
        return build_definitions(read_snapshot(engine), settings_ or settings, warehouse=warehouse)

    return _build


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst
