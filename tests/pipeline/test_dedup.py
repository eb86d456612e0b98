"""Dedup of an append import on its own, on both warehouses: which staged rows go and which stay.

tests/pipeline/test_quality_dedup.py runs dedup inside a whole import; here one call meets
hand-made staging and destination rows, so each condition (this run only, the whole key,
NULL parts, the first copy kept) is seen on its own.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.config.models import PipelineConfig
from elt_project.errors import ConfigurationError
from elt_project.pipeline.dedup import deduplicate


def _config(**overrides) -> PipelineConfig:
    values = {
        "pipeline_name": "d",
        "import_name": "d_import",
        "file_pattern": "d_*.csv",
        "file_type": "csv",
        "staging_table": "stg_d",
        "destination_table": "dest_d",
        "load_method": "append",
        "deduplication_key": "id,day",
    }
    return PipelineConfig(**(values | overrides))


@pytest.fixture
def engine(bare_engine):
    """Dedup needs only its two tables, not the metadata schema: the migrations are skipped."""
    return bare_engine


@pytest.fixture
def tables(engine):
    metadata = sa.MetaData()
    staging = sa.Table(
        "stg_d",
        metadata,
        sa.Column("id", sa.String(20)),
        sa.Column("day", sa.String(20)),
        sa.Column("note", sa.String(20)),
        sa.Column("batch", sa.String(20)),  # staging only
        sa.Column("dagster_run_id", sa.String(255)),
    )
    destination = sa.Table(
        "dest_d",
        metadata,
        sa.Column("id", sa.Integer),
        sa.Column("day", sa.String(20)),
        sa.Column("note", sa.String(20)),
    )
    metadata.create_all(engine)
    return staging, destination


def _stage(engine, staging, run_id: str, *rows: tuple) -> None:
    with engine.begin() as conn:
        for row in rows:  # one INSERT each, so insertion order is the order given
            conn.execute(staging.insert().values(id=row[0], day=row[1], note=row[2], dagster_run_id=run_id))


def _staged(engine, staging) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(staging.c.note, staging.c.dagster_run_id)).all()
    return sorted(rows, key=lambda r: (r[1], r[0]))


def _dedup(engine, tables, config=None, run_id="run2") -> int:
    staging, destination = tables
    with engine.begin() as conn:
        return deduplicate(conn, config or _config(), staging, destination, run_id)


def test_rows_whose_whole_key_is_in_the_destination_go_for_this_run_only(engine, tables):
    staging, destination = tables
    with engine.begin() as conn:
        conn.execute(destination.insert().values(id=1, day="mon", note="loaded"))
    _stage(engine, staging, "run1", ("1", "mon", "other run"))
    _stage(engine, staging, "run2", ("1", "mon", "dup"), ("1", "tue", "new day"), ("2", "mon", "new id"))
    assert _dedup(engine, tables) == 1
    assert _staged(engine, staging) == [("other run", "run1"), ("new day", "run2"), ("new id", "run2")]


def test_the_first_copy_of_a_key_within_the_run_is_kept(engine, tables):
    staging, _ = tables
    _stage(engine, staging, "run1", ("5", "mon", "earlier run"))
    _stage(
        engine,
        staging,
        "run2",
        ("5", "mon", "first"),
        ("5", "mon", "second"),
        ("5", "tue", "other day"),
        ("5", "mon", "third"),
    )
    assert _dedup(engine, tables) == 2
    assert _staged(engine, staging) == [("earlier run", "run1"), ("first", "run2"), ("other day", "run2")]


def test_a_key_with_a_null_part_is_never_a_duplicate(engine, tables):
    staging, destination = tables
    with engine.begin() as conn:
        conn.execute(destination.insert().values(id=7, day=None, note="loaded"))
    _stage(engine, staging, "run2", ("7", None, "a"), ("7", None, "b"), (None, "mon", "c"), (None, "mon", "d"))
    assert _dedup(engine, tables) == 0
    assert [note for note, _ in _staged(engine, staging)] == ["a", "b", "c", "d"]


def test_both_steps_add_up_in_the_count(engine, tables):
    staging, destination = tables
    with engine.begin() as conn:
        conn.execute(destination.insert().values(id=1, day="mon", note="loaded"))
    _stage(engine, staging, "run2", ("1", "mon", "in destination"), ("3", "wed", "first"), ("3", "wed", "again"))
    assert _dedup(engine, tables) == 2
    assert _staged(engine, staging) == [("first", "run2")]


@pytest.mark.parametrize("overrides", [{"load_method": "replace"}, {"deduplication_key": None}])
def test_nothing_is_deduplicated_without_append_and_a_key(engine, tables, overrides):
    staging, destination = tables
    with engine.begin() as conn:
        conn.execute(destination.insert().values(id=1, day="mon", note="loaded"))
    _stage(engine, staging, "run2", ("1", "mon", "a"), ("1", "mon", "b"))
    assert _dedup(engine, tables, _config(**overrides)) == 0
    assert len(_staged(engine, staging)) == 2


def test_a_key_column_missing_from_a_table_is_named(engine, tables):
    with pytest.raises(ConfigurationError) as missing:
        _dedup(engine, tables, _config(deduplication_key="id,region"))
    assert str(missing.value).startswith(
        "deduplication_key of import 'd_import' names column 'region', which table stg_d does not have"
    )
    with pytest.raises(ConfigurationError) as missing:
        _dedup(engine, tables, _config(deduplication_key="id,batch"))
    assert str(missing.value).startswith(
        "deduplication_key of import 'd_import' names column 'batch', which table dest_d does not have"
    )
