"""Money lands as DECIMAL/NUMERIC, not FLOAT: guessed from fixed decimals and from Arrow decimal types.

The end-to-end test sets a feed up with the generators and loads it through the real
engine, then sums the currency column: exact on both warehouses, where a FLOAT would
give 0.9999999999999999 for ten times 0.10.
"""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, postgresql, sqlite

from elt_project.config.models import PipelineConfig
from elt_project.config.repository import load_pipeline_configs
from elt_project.ingest.schema_sample import sample_schema
from elt_project.pipeline.api import run_pipeline
from elt_project.pipeline.column_mappings import generate_column_mappings
from elt_project.pipeline.setup_columns import Column
from elt_project.pipeline.setup_ddl import merge_columns, sql_type
from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql
from tests.sqlgen.test_column_mappings import store

AMOUNTS = ["0.10"] * 10 + ["19.99", "1234.56", "-5.05"]


def write_payments(folder, amounts=AMOUNTS):
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["payment_id,amount,rate"] + [f"{n},{a},1.5" for n, a in enumerate(amounts, start=1)]
    (folder / "Payments_01.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_fixed_decimals_become_decimal_and_other_numbers_do_not(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "amount,mixed,whole,coordinate,huge\n"
        "10.50,1.5,3,52.123456,123456789012345678901234567890.12\n"
        "7.00,2.25,4,-0.000001,1.00\n"
        "-0.99,3,5,13.400000,2.50\n",
        encoding="utf-8",
    )
    assert dict(sample_schema(path, file_type="csv")) == {
        "amount": "decimal(10,2)",  # 2 digits before the point, 2 after, 6 to spare
        "mixed": "float",  # 1, 2 or no decimals: not a fixed format
        "whole": "integer",
        "coordinate": "decimal(14,6)",
        "huge": "decimal(38,2)",  # capped at 38 digits
    }


def test_arrow_decimals_keep_their_type_and_excel_money_is_decimal(tmp_path):
    table = pa.table({"price": pa.array([Decimal("12.34"), Decimal("0.10")], pa.decimal128(12, 2))})
    pq.write_table(table, tmp_path / "p.parquet")
    assert sample_schema(tmp_path / "p.parquet", file_type="parquet") == [("price", "decimal(12,2)")]

    book = openpyxl.Workbook()
    for row in (["money", "ratio"], [10.5, 0.125], [7.25, 1.5], [1999.0, 2.0]):
        book.active.append(row)
    book.save(tmp_path / "m.xlsx")
    assert sample_schema(tmp_path / "m.xlsx", file_type="excel") == [("money", "decimal(12,2)"), ("ratio", "float")]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (sqlite.dialect(), "NUMERIC(10, 2)"),
        (postgresql.dialect(), "NUMERIC(10, 2)"),
        (mssql.dialect(), "NUMERIC(10, 2)"),
    ],
)
def test_decimal_compiles_to_numeric_on_every_warehouse(dialect, expected):
    assert str(sql_type("decimal(10,2)").compile(dialect=dialect)) == expected
    assert str(sql_type("float").compile(dialect=dialect)) != expected


def test_merging_two_imports_keeps_decimals_exact():
    def merged(a: str, b: str) -> str:
        return merge_columns([Column("x", "x", a, "")], [Column("x", "x", b, "")])[0].logical

    assert merged("decimal(10,2)", "decimal(12,4)") == "decimal(12,4)"  # 8 whole digits, 4 decimals
    assert merged("decimal(10,2)", "integer") == "decimal(21,2)"  # every BIGINT fits
    assert merged("decimal(10,2)", "float") == "float"
    assert merged("decimal(38,20)", "integer") == "float"


def payments_config(folder) -> PipelineConfig:
    """The payments import both exactness tests load through setup-sql and the pipeline."""
    return PipelineConfig(
        pipeline_name="Payments",
        import_name="payments_csv",
        file_pattern="Payments_*.csv",
        monitored_directory=str(folder),
        file_type="csv",
        staging_table="stg_payments",
        destination_table="dest_payments",
        transform_procedure="sp_transform_payments",
    )


def test_currency_is_loaded_and_summed_exactly(engine, settings, tmp_path):
    folder = tmp_path / "payments"
    write_payments(folder)
    store(engine, [payments_config(folder)])
    configs, problems = load_pipeline_configs(engine)
    assert problems == []
    setup = generate_setup_sql(configs, engine.dialect.name, settings)
    assert setup.problems == []
    apply_setup_sql(engine, setup, settings)
    assert generate_column_mappings(engine, configs).problems == []

    assert run_pipeline(engine, settings, "Payments").errors == []

    destination = sa.Table("dest_payments", sa.MetaData(), autoload_with=engine)
    amount = destination.c.amount
    assert isinstance(amount.type, sa.Numeric) and not isinstance(amount.type, sa.Float)
    assert (amount.type.precision, amount.type.scale) == (12, 2)  # 4 whole digits + 2 + 6 to spare
    with engine.connect() as conn:
        dimes = conn.execute(sa.select(sa.func.sum(amount)).where(destination.c.payment_id <= 10)).scalar()
        total = conn.execute(sa.select(sa.func.sum(amount))).scalar()
        rows = conn.execute(sa.select(amount).order_by(destination.c.payment_id)).scalars().all()
    assert sum([0.10] * 10) == 0.9999999999999999  # what a FLOAT column adds up to
    assert dimes == Decimal("1.00") and str(dimes) == "1.00"
    assert total == sum(Decimal(a) for a in AMOUNTS) and str(total) == "1250.50"
    assert rows == [Decimal(a) for a in AMOUNTS]


def test_a_value_with_more_decimals_than_the_column_is_refused_not_rounded(engine, settings, tmp_path):
    folder = tmp_path / "payments"
    write_payments(folder)
    store(engine, [payments_config(folder)])
    configs, _ = load_pipeline_configs(engine)
    apply_setup_sql(engine, generate_setup_sql(configs, engine.dialect.name, settings), settings)
    generate_column_mappings(engine, configs)
    (folder / "Payments_01.csv").unlink()
    write_payments(folder, ["1.005"])
    summary = run_pipeline(engine, settings, "Payments")
    assert summary.errors and "1.005" in summary.errors[0]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM dest_payments")).scalar() == 0
