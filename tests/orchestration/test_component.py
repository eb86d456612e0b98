"""The location as Dagster loads it: config read once at load, run workers rebuild from the snapshot."""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.code_pointer import CodePointer
from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext
from dagster._core.definitions.reconstruct import (
    initialize_repository_def_from_pointer,
    reconstruct_repository_def_from_pointer,
)

from elt_project.db import schema
from elt_project.errors import WarehouseUnavailable
from tests.orchestration.conftest import add_config

POINTER = CodePointer.from_module("elt_project.definitions", "defs", working_directory=None)


@pytest.fixture
def project_env(monkeypatch, database_url, tmp_path):
    """Point the project settings (as the code server reads them) at the test warehouse."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ELT_TRANSFORMS_DIR", str(tmp_path / "transforms"))
    yield
    DefinitionsLoadContext._instance = None  # the loader leaves its context behind


def _asset_names(repo) -> set[str]:
    return {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}


def test_run_workers_rebuild_from_the_load_snapshot(engine, project_env, monkeypatch):
    add_config(engine, import_name="daily_sales")
    add_config(engine, import_name="returns", staging_table="stg_returns")

    repo = initialize_repository_def_from_pointer(POINTER)  # what the code server does on load/reload
    assert "returns_extract_and_load_staging" in _asset_names(repo)

    with engine.begin() as conn:  # someone disables a row after the UI loaded
        conn.execute(
            sa.update(schema.elt_pipeline_configs)
            .where(schema.elt_pipeline_configs.c.import_name == "returns")
            .values(is_active=0)
        )
    # A run worker gets the load data; it must not read the table again, so even a dead URL works.
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    worker = reconstruct_repository_def_from_pointer(POINTER, repo.repository_load_data)
    assert "returns_extract_and_load_staging" in _asset_names(worker)
    assert worker.get_job("Sales_job") is not None

    # A reload reads the table again and the disabled row is gone.
    monkeypatch.setenv("DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    reloaded = initialize_repository_def_from_pointer(POINTER)
    assert "returns_extract_and_load_staging" not in _asset_names(reloaded)
    assert "daily_sales_extract_and_load_staging" in _asset_names(reloaded)


def test_load_fails_with_the_setting_to_check(project_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://elt:secret@127.0.0.1:1/none")
    with pytest.raises(Exception) as info:
        initialize_repository_def_from_pointer(POINTER)
    chain, exc = [], info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    unavailable = [e for e in chain if isinstance(e, WarehouseUnavailable)]
    assert unavailable, chain
    assert "check DATABASE_URL" in str(unavailable[0]) and "secret" not in str(unavailable[0])


def test_definitions_module_does_nothing_at_import(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    import importlib

    import elt_project.definitions as module

    importlib.reload(module)  # would raise if importing connected to the warehouse
    assert callable(module.defs)
    assert isinstance(dg.Definitions, type)
