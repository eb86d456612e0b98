"""Real-world file shapes end to end on both warehouses: UTF-16 with CR line ends, cp1252, an empty first sheet."""

from __future__ import annotations

import codecs
import json

import openpyxl
import pytest

from elt_project.errors import SourceFileError
from elt_project.pipeline.api import run_import
from tests.pipeline.conftest import execute, query

TEXT = "item,price\rCafé crème,€2.50\rThé,1.90\r"


@pytest.fixture
def prices(engine, add_config):
    execute(
        engine,
        "CREATE TABLE stg_prices (item VARCHAR(100), price VARCHAR(50), dagster_run_id VARCHAR(255), "
        "source_file_hash VARCHAR(64), source_row_number BIGINT)",
        "CREATE TABLE dest_prices (item VARCHAR(100), price VARCHAR(50))",
    )

    def make(**values):
        row = {
            "import_name": "prices",
            "file_pattern": "prices_*",
            "staging_table": "stg_prices",
            "destination_table": "dest_prices",
        }
        row.update(values)
        return add_config(**row)

    return make


def test_utf16_with_a_byte_order_mark_loads_without_any_setting(engine, settings, prices, inbox):
    config = prices()
    (inbox / "prices_1.csv").write_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    run_import(engine, settings, config)
    assert sorted(query(engine, "SELECT item, price FROM dest_prices")) == [
        ("Café crème", "€2.50"),
        ("Thé", "1.90"),
    ]


def test_cp1252_gets_the_right_advice_and_auto_loads_it(engine, settings, prices, inbox):
    (inbox / "prices_1.csv").write_bytes(TEXT.encode("cp1252"))
    with pytest.raises(SourceFileError, match="line 2 is not valid utf-8 text.*'cp1252' \\(or 'auto'\\)"):
        run_import(engine, settings, prices())
    assert query(engine, "SELECT count(*) FROM dest_prices") == [(0,)]
    execute(engine, "DELETE FROM elt_pipeline_configs")
    run_import(engine, settings, prices(scraper_config=json.dumps({"read_options": {"encoding": "auto"}})))
    assert ("Café crème", "€2.50") in query(engine, "SELECT item, price FROM dest_prices")


def test_an_empty_first_sheet_names_sheet_name(engine, settings, prices, inbox):
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    data = book.create_sheet("Prices")
    data.append(["item", "price"])
    data.append(["Thé", "1.90"])
    book.save(inbox / "prices_1.xlsx")
    with pytest.raises(SourceFileError, match="sheet 'Cover' has no rows; set read_options.sheet_name.*'Prices'"):
        run_import(engine, settings, prices(file_type="excel"))
    execute(engine, "DELETE FROM elt_pipeline_configs")
    config = prices(file_type="excel", scraper_config=json.dumps({"read_options": {"sheet_name": "Prices"}}))
    run_import(engine, settings, config)
    assert query(engine, "SELECT item, price FROM dest_prices") == [("Thé", "1.90")]
