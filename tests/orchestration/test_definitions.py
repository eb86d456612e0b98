"""Loading the code location from config rows: names, groups, checks, jobs, sensors, bad rows."""

from __future__ import annotations

import dagster as dg
import pytest
import sqlalchemy as sa

from elt_project.db import schema
from elt_project.db.engine import create_warehouse_engine
from elt_project.errors import ConfigurationError, WarehouseUnavailable
from elt_project.orchestration.snapshot import ConfigSnapshot, current_fingerprint, read_snapshot
from tests.orchestration.conftest import add_config, add_rule


def _keys(defs: dg.Definitions) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_all_asset_keys()}


def test_good_rows_become_assets_checks_jobs_and_sensors(engine, build_defs, tmp_path):
    add_config(
        engine,
        pipeline_name="Sales Data",
        import_name="daily-sales",
        monitored_directory=str(tmp_path / "in"),
    )
    add_config(
        engine,
        pipeline_name="Sales Data",
        import_name="Sales Returns (EU)",
        staging_table="stg_returns",
        destination_table="returns",
        load_method="replace",
        depends_on="daily-sales",
    )
    add_rule(engine, rule_name="amount not null", severity="FAIL")
    add_rule(engine, rule_name="region-known", severity="WARN", check_type="NOT_NULL", target_column="region")
    add_rule(engine, rule_name="other table", target_table="stg_other")

    defs = build_defs()

    assert _keys(defs) == {
        "daily_sales_extract_and_load_staging",
        "Sales_Returns_EU_extract_and_load_staging",
        "sales_data_transform",
        "sales_data_generate_setup_sql",
        "sales_data_generate_column_mappings",
        "utility_backup_database_objects",
        "config_problems",
    }
    graph = defs.resolve_asset_graph()
    staging = dg.AssetKey("daily_sales_extract_and_load_staging")
    returns = dg.AssetKey("Sales_Returns_EU_extract_and_load_staging")
    transform = dg.AssetKey("sales_data_transform")
    assert graph.get(staging).group_name == "Sales_Data"
    assert graph.get(dg.AssetKey("sales_data_generate_setup_sql")).group_name == "_utility"
    assert graph.get(returns).parent_keys == {staging}
    assert graph.get(transform).parent_keys == {staging, returns}

    check_specs = list(defs.resolve_assets_def(staging).check_specs)
    checks = {spec.name: spec.blocking for spec in check_specs if spec.asset_key == staging}
    assert checks == {"amount_not_null": True, "region_known": False}
    assert [spec for spec in check_specs if spec.asset_key == returns] == []
    assert defs.resolve_assets_def(transform).op.pool == "group_sales_data"  # two destination tables

    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {"Sales_Data_job", "utility_jobs", "generate_pipeline_config_sql"} <= jobs
    assert {s.name for s in defs.sensors} == {"daily_sales_file_sensor", "config_change_sensor", "freshness_sensor"}
    sensor = defs.resolve_sensor_def("daily_sales_file_sensor")
    assert sensor.minimum_interval_seconds == 30
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_single_destination_group_uses_the_table_pool(engine, build_defs):
    add_config(
        engine,
        pipeline_name="Budget",
        import_name="budget",
        staging_table="stg_budget",
        destination_table="dbo.budget",
    )
    defs = build_defs()
    assert defs.resolve_assets_def(dg.AssetKey("budget_transform")).op.pool == "table_dbo_budget"


def test_bad_rows_are_skipped_with_a_problem_naming_row_and_column(engine, build_defs):
    add_config(engine, import_name="good")
    bad_id = add_config(engine, import_name="bad table", staging_table="stg x")
    add_config(engine, import_name="bad json", file_type="csv", staging_table="stg_j", scraper_config="{not json")
    add_config(engine, import_name="dangling", staging_table="stg_d", depends_on="nope")

    defs = build_defs()

    keys = _keys(defs)
    assert "good_extract_and_load_staging" in keys
    assert "dangling_extract_and_load_staging" in keys  # loads; only the dependency is dropped
    assert not any(k.startswith("bad_") for k in keys)
    description = (
        defs.resolve_assets_def(dg.AssetKey("config_problems")).specs_by_key[dg.AssetKey("config_problems")].description
    )
    assert f"row id={bad_id} ('bad table'): column staging_table" in description
    assert "('bad json'): column scraper_config is not valid JSON" in description
    assert "('dangling'): column depends_on names 'nope'" in description
    assert "Config rows skipped at the last load (3)" in description


def test_names_that_clash_after_slugify_or_form_cycles_do_not_break_the_load(engine, build_defs):
    add_config(engine, import_name="sales-eu", staging_table="stg_a", depends_on="sales eu 2")
    add_config(engine, import_name="sales eu", staging_table="stg_b")
    add_config(engine, import_name="sales eu 2", staging_table="stg_c", depends_on="sales-eu")

    defs = build_defs()

    assert {"sales_eu_extract_and_load_staging", "sales_eu_2_extract_and_load_staging"} <= _keys(defs)
    description = (
        defs.resolve_assets_def(dg.AssetKey("config_problems")).specs_by_key[dg.AssetKey("config_problems")].description
    )
    assert "('sales eu'): column import_name gives the same Dagster name as import 'sales-eu'" in description
    assert "('sales eu 2'): column depends_on names 'sales-eu', which already depends on this import" in description


def test_sensors_follow_settings(engine, build_defs, settings, tmp_path):
    add_config(engine, monitored_directory=str(tmp_path / "in"))
    add_config(
        engine,
        import_name="sftp",
        staging_table="stg_sftp",
        monitored_directory=str(tmp_path / "x"),
        parser_function="generic_sftp_downloader",
    )
    quiet = settings.model_copy(update={"sensors_running_by_default": False, "sensor_interval_seconds": 5})
    defs = build_defs(quiet)
    assert {s.name for s in defs.sensors} == {"daily_sales_file_sensor", "config_change_sensor", "freshness_sensor"}
    sensor = defs.resolve_sensor_def("daily_sales_file_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert sensor.minimum_interval_seconds == 5


def test_snapshot_round_trips_and_fingerprint_tracks_edits(engine):
    add_config(engine)
    add_rule(engine)
    snapshot = read_snapshot(engine)
    again = ConfigSnapshot.from_json(snapshot.to_json())
    assert again == snapshot
    assert again.rules_for("STG_SALES")[0].rule_name == "amount not null"
    with engine.begin() as conn:  # a load stamps last_import_date: not a definitions change
        conn.execute(sa.update(schema.elt_pipeline_configs).values(last_import_date=sa.func.current_timestamp()))
    assert current_fingerprint(engine) == snapshot.fingerprint
    with engine.begin() as conn:
        conn.execute(sa.update(schema.data_quality_rules).values(severity="WARN"))
    assert current_fingerprint(engine) != snapshot.fingerprint


def test_unreachable_warehouse_names_the_setting():
    engine = create_warehouse_engine("postgresql+psycopg://elt:secret@127.0.0.1:1/nowhere")
    with pytest.raises(WarehouseUnavailable) as info:
        read_snapshot(engine)
    message = str(info.value)
    assert "check DATABASE_URL" in message and "secret" not in message


def test_missing_metadata_tables_ask_for_upgrade(bare_engine):
    with pytest.raises(ConfigurationError, match="run `python3 launch.py elt db upgrade`"):
        read_snapshot(bare_engine)
