"""Enrichment lookups loaded from real tables on both warehouses and applied to Arrow batches.

No file is read: the rules and lookup tables are inserted, the batches built in memory.
tests/pipeline/test_mapping_enrichment.py runs enrichment through a whole import.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from elt_project.errors import ConfigurationError
from elt_project.pipeline.enrichment import load_enricher
from tests.pipeline.conftest import execute

STAGING = (
    "CREATE TABLE stg_e (cust VARCHAR(20), code VARCHAR(20), seg VARCHAR(20), qty BIGINT, dagster_run_id VARCHAR(255))"
)
RULE = (
    "INSERT INTO data_enrichment_rules (rule_name, target_staging_table, target_column_to_enrich, lookup_table, "
    "lookup_key_column_staging, lookup_key_column_lookup, lookup_value_column, is_active) VALUES "
)


def _enricher(engine, *rules: str):
    execute(engine, STAGING, *(RULE + rule for rule in rules))
    staging = sa.Table("stg_e", sa.MetaData(), autoload_with=engine)
    return load_enricher(engine, staging, "stg_e")


def _batch(**columns) -> pa.RecordBatch:
    return pa.record_batch(list(columns.values()), names=list(columns))


def test_lookups_fill_only_nulls_by_text_key_first_row_winning(engine):
    execute(
        engine,
        "CREATE TABLE dim_c (id INTEGER, segment VARCHAR(10), size INTEGER)",
        "INSERT INTO dim_c VALUES (1, 'Retail', 10), (2, 'Trade', 20), (1, 'Later', 99), (NULL, 'NoKey', 5)",
    )
    enricher = _enricher(
        engine,
        "('seg', 'stg_e', 'seg', 'DIM_C', 'cust', 'ID', 'segment', 1), "
        "('qty', 'stg_e', 'qty', 'dim_c', 'cust', 'id', 'size', 1), "
        "('off', 'stg_e', 'code', 'dim_c', 'cust', 'id', 'segment', 0)",
    )
    assert enricher.target_columns == ["seg", "qty"]
    batch = _batch(
        cust=pa.array(["1", "2", "3", None]),
        seg=pa.array(["Given", None, None, None]),
        qty=pa.array([None, 7, None, None], pa.int64()),
    )
    out = enricher.apply(batch)
    assert out.column(out.schema.get_field_index("seg")).to_pylist() == ["Given", "Trade", None, None]
    assert out.column(out.schema.get_field_index("qty")).to_pylist() == [10, 7, None, None]
    assert out.schema.field("qty").type == pa.int64()
    # a batch without the target column gets it; one without the key column is left alone
    appended = enricher.apply(_batch(cust=pa.array([2, 1], pa.int64())))
    assert appended.schema.names == ["cust", "seg", "qty"]
    assert appended.column(1).to_pylist() == ["Trade", "Retail"]
    assert appended.column(2).to_pylist() == [20, 10]
    untouched = _batch(code=pa.array(["1"]))
    assert enricher.apply(untouched).equals(untouched)


def test_a_batch_without_one_rules_key_still_gets_the_others(engine):
    execute(
        engine,
        "CREATE TABLE dim_two (k VARCHAR(5), v VARCHAR(10))",
        "INSERT INTO dim_two VALUES ('a', 'x')",
        "CREATE TABLE dim_c2 (k VARCHAR(5), v VARCHAR(10))",
        "INSERT INTO dim_c2 VALUES ('a', 'y')",
    )
    enricher = _enricher(
        engine,
        "('by_code', 'stg_e', 'seg', 'dim_two', 'code', 'k', 'v', 1), "
        "('by_cust', 'stg_e', 'code', 'dim_c2', 'cust', 'k', 'v', 1)",
    )
    assert enricher.target_columns == ["seg", "code"]
    out = enricher.apply(_batch(cust=pa.array(["a"])))  # no code column: the first rule has no key
    assert out.schema.names == ["cust", "code"] and out.column(1).to_pylist() == ["y"]


def test_values_that_do_not_fit_the_batch_type_arrive_as_text(engine):
    execute(
        engine,
        "CREATE TABLE dim_t (k VARCHAR(5), label VARCHAR(10))",
        "INSERT INTO dim_t VALUES ('a', 'x1'), ('b', '42')",
    )
    enricher = _enricher(engine, "('lbl', 'stg_e', 'qty', 'dim_t', 'cust', 'k', 'label', 1)")
    out = enricher.apply(_batch(cust=pa.array(["a", "b"]), qty=pa.array([5, None], pa.int64())))
    assert out.column(1).to_pylist() == ["5", "42"]  # 'x1' is no integer: the column is filled as text
    # number keys in the file are compared as text with lookup keys that are not numbers
    assert enricher.apply(_batch(cust=pa.array([5], pa.int64()))).column(1).to_pylist() == [None]
    fits = enricher.apply(_batch(cust=pa.array(["b"]), qty=pa.array([None], pa.int64())))
    assert (fits.column(1).to_pylist(), fits.schema.field("qty").type) == ([42], pa.int64())


def test_mixed_lookup_values_are_read_as_text_and_no_rules_give_an_empty_enricher(engine):
    enricher = _enricher(engine)
    assert enricher.target_columns == []
    batch = _batch(cust=pa.array(["a"]))
    assert enricher.apply(batch).equals(batch)
    execute(
        engine,
        "CREATE TABLE dim_m (k VARCHAR(5), v VARCHAR(10))",
        RULE + "('m', 'stg_e', 'code', 'dim_m', 'cust', 'k', 'v', 1)",
    )
    staging = sa.Table("stg_e", sa.MetaData(), autoload_with=engine)
    # an empty lookup table fills nothing
    assert load_enricher(engine, staging, "stg_e").apply(batch).column(1).to_pylist() == [None]
    execute(engine, "INSERT INTO dim_m VALUES ('a', 'one')")
    out = load_enricher(engine, staging, "STG_E").apply(batch)
    assert out.column(1).to_pylist() == ["one"]


BROKEN = [
    ("('r1', 'stg_e', 'seg', 'no_table', 'cust', 'k', 'v', 1)", "lookup table of enrichment rule 'r1'"),
    ("('r2', 'stg_e', 'seg', 'dim_k', 'cust', 'nokey', 'v', 1)", "Enrichment rule 'r2' names column 'nokey'"),
    ("('r3', 'stg_e', 'seg', 'dim_k', 'nocol', 'k', 'v', 1)", "Enrichment rule 'r3' names column 'nocol'"),
    ("('r4', 'stg_e', 'notarget', 'dim_k', 'cust', 'k', 'v', 1)", "Enrichment rule 'r4' names column 'notarget'"),
    ("('r5', 'stg_e', 'seg', 'dim_k', 'cust', 'k', 'nov', 1)", "Enrichment rule 'r5' names column 'nov'"),
]


def test_a_rule_naming_what_does_not_exist_is_named(engine):
    execute(engine, STAGING, "CREATE TABLE dim_k (k VARCHAR(5), v VARCHAR(5))")
    staging = sa.Table("stg_e", sa.MetaData(), autoload_with=engine)
    for rule, named in BROKEN:
        execute(engine, "DELETE FROM data_enrichment_rules", RULE + rule)
        with pytest.raises(ConfigurationError, match=named):
            load_enricher(engine, staging, "stg_e")
