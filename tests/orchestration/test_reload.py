"""Reload without restart: config_change_sensor asks a real Dagster webserver to reload the location."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner

from elt_project.cli import main
from elt_project.db import schema
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.errors import TransientError
from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.reload import reload_location
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import read_snapshot
from elt_project.settings import load_settings, project_root
from tests.net import free_port
from tests.orchestration.conftest import add_config

ASSETS_QUERY = "{ assetNodes { assetKey { path } } }"


def _asset_names(base_url: str) -> set[str]:
    response = requests.post(f"{base_url}/graphql", json={"query": ASSETS_QUERY}, timeout=30)
    return {"/".join(node["assetKey"]["path"]) for node in response.json()["data"]["assetNodes"]}


@pytest.fixture
def webserver(tmp_path: Path):
    """dagster-webserver on workspace.yaml with a temporary DAGSTER_HOME and a SQLite warehouse."""
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = create_warehouse_engine(url)
    upgrade(engine)
    add_config(engine, import_name="daily_sales")
    home = tmp_path / "dagster_home"
    home.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DATABASE_URL": url,
        "ELT_DATA_DIR": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_webserver",
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=project_root(),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if "daily_sales_extract_and_load_staging" in _asset_names(base_url):
                    break
            except (requests.RequestException, KeyError, ValueError, TypeError):
                pass
            assert process.poll() is None and time.monotonic() < deadline, "webserver did not start"
            time.sleep(0.5)
        yield engine, port, base_url, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        engine.dispose()


@pytest.mark.slow
def test_config_change_sensor_reloads_the_location(webserver):
    engine, port, base_url, tmp_path = webserver
    settings = load_settings(
        env={},
        env_file=tmp_path / "no.env",
        database_url=str(engine.url),
        data_dir=str(tmp_path / "data"),
        dagster_port=port,
    )
    defs = build_definitions(read_snapshot(engine), settings, warehouse=WarehouseResource.for_settings(settings))
    sensor = defs.resolve_sensor_def("config_change_sensor")

    def tick(cursor=None):
        with (
            dg.instance_for_test() as instance,
            dg.build_sensor_context(instance=instance, cursor=cursor, resources=dict(defs.resources)) as context,
        ):
            result = sensor.evaluate_tick(context)
        return result.skip_message, result.cursor

    message, _ = tick()
    assert message == "Configuration unchanged since the last load."

    add_config(
        engine,
        pipeline_name="Budget",
        import_name="budget",
        staging_table="stg_budget",
        destination_table="budget",
    )
    message, cursor = tick()
    assert message == "Configuration changed; reload requested (loaded)."
    assert "budget_extract_and_load_staging" in _asset_names(base_url)

    message, _ = tick(cursor)  # the same change is not asked for twice in a row
    assert message == "Configuration changed; a reload was already requested."

    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.elt_pipeline_configs)
            .values(is_active=0)
            .where(schema.elt_pipeline_configs.c.import_name == "budget")
        )
    result = CliRunner().invoke(main, ["reload", "--url", base_url])  # the admin's way: `elt reload`
    assert result.exit_code == 0 and "Reloaded 'elt_project'" in result.output
    assert "budget_extract_and_load_staging" not in _asset_names(base_url)


def test_reload_request_to_a_dead_webserver_says_what_to_check():
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(TransientError, match="check that it is running"):
        reload_location(dead, timeout_s=2)
    result = CliRunner().invoke(main, ["reload", "--url", dead])
    assert result.exit_code == 1 and "check that it is running (DAGSTER_PORT)" in result.output


def test_config_change_sensor_reports_a_failed_reload_and_retries_later(engine, build_defs, settings, instance):
    add_config(engine, import_name="daily_sales")
    dead = settings.model_copy(update={"dagster_port": free_port()})
    defs = build_defs(dead)
    sensor = defs.resolve_sensor_def("config_change_sensor")

    def tick(cursor=None):
        with dg.build_sensor_context(instance=instance, cursor=cursor, resources=dict(defs.resources)) as context:
            result = sensor.evaluate_tick(context)
        return result.skip_message, result.cursor

    assert tick()[0] == "Configuration unchanged since the last load."
    with engine.begin() as conn:  # a rule edit changes the fingerprint too
        conn.execute(
            sa.insert(schema.data_quality_rules).values(
                rule_name="amount present",
                target_table="stg_sales",
                target_column="amount",
                check_type="NOT_NULL",
            )
        )
    message, cursor = tick()
    assert message.startswith("Configuration changed, but the reload request failed")
    assert tick(cursor)[0] == "Configuration changed; a reload was already requested."
