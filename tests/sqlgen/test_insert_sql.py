"""The config INSERT generator: the statement it renders runs and yields the same config."""

from __future__ import annotations

import datetime as dt
import enum

import pytest
import sqlglot
from sqlglot import exp

from elt_project.config.insert_sql import insertable_columns, render_config_insert
from elt_project.config.repository import get_pipeline_config
from elt_project.errors import ConfigurationError


class LoadMethod(enum.Enum):
    APPEND = "append"


VALUES = {
    "pipeline_name": "Sales",
    "import_name": "o'brien_orders; DROP TABLE elt_pipeline_configs; --",
    "file_pattern": "Orders_*.csv",
    "monitored_directory": "C:/Data/Zürich/東京",
    "file_type": "csv",
    "staging_table": "stg_orders",
    "destination_table": "dest_orders",
    "scraper_config": {"read_options": {"sep": ";", "encoding": "latin1"}},
    "transform_procedure": "sp_transform_orders",
    "load_method": LoadMethod.APPEND,
    "deduplication_key": ["order_id", "order_date"],
    "is_active": True,
    "last_import_date": dt.datetime(2024, 1, 31, 8, 30, 0),
    "parser_function": None,
}


def test_rendered_insert_executes_and_reads_back(engine):
    sql = render_config_insert(VALUES, engine.dialect.name)
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)
    config = get_pipeline_config(engine, VALUES["import_name"])
    assert config.pipeline_name == "Sales"
    assert config.monitored_directory == "C:/Data/Zürich/東京"
    assert config.scraper_config == {"read_options": {"sep": ";", "encoding": "latin1"}}
    assert config.load_method == "append"
    assert config.deduplication_key == ("order_id", "order_date")
    assert config.is_active is True
    assert config.parser_function is None
    assert config.last_import_date == dt.datetime(2024, 1, 31, 8, 30, 0)
    assert config.id == 1


def test_mssql_insert_parses_as_tsql():
    sql = render_config_insert(VALUES, "mssql")
    parsed = sqlglot.parse_one(sql, read="tsql")
    assert isinstance(parsed, exp.Insert)
    assert "N'o''brien_orders; DROP TABLE elt_pipeline_configs; --'" in sql
    assert "'2024-01-31T08:30:00.000'" in sql
    columns = [c.name for c in parsed.this.expressions]
    assert columns == [c for c in insertable_columns() if VALUES.get(c) is not None]


def test_unknown_column_is_refused():
    with pytest.raises(
        ConfigurationError, match="elt_pipeline_configs has no column colour, id; use only: pipeline_name"
    ):
        render_config_insert({**VALUES, "colour": "red", "id": 3}, "sqlite")


def test_invalid_row_names_the_column():
    with pytest.raises(ConfigurationError, match="column load_method 'sometimes' is not a load method"):
        render_config_insert({**VALUES, "load_method": "sometimes"}, "postgresql")
    with pytest.raises(ConfigurationError, match="column staging_table"):
        render_config_insert({**VALUES, "staging_table": "stg orders; --"}, "postgresql")


def test_unknown_dialect():
    with pytest.raises(ConfigurationError, match="Unknown SQL dialect 'oracle'"):
        render_config_insert(VALUES, "oracle")
