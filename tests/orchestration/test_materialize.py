"""Running the generated job: staging + transform into the real warehouse, checks that block."""

from __future__ import annotations

import hashlib

import dagster as dg
import sqlalchemy as sa

from tests.orchestration.conftest import add_config, add_rule

STAGING_DDL = (
    "CREATE TABLE stg_sales (order_id VARCHAR(50), amount VARCHAR(50), dagster_run_id VARCHAR(255), "
    "source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
DEST_DDL = "CREATE TABLE sales (order_id INTEGER, amount NUMERIC(12,2))"
STAGING = dg.AssetKey("daily_sales_extract_and_load_staging")
TRANSFORM = dg.AssetKey("sales_transform")


def _setup(engine, folder, *rules):
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
    for rule in rules:
        add_rule(engine, **rule)


def _run(defs, instance, files):
    job = defs.resolve_job_def("Sales_job")
    return job.execute_in_process(
        instance=instance,
        asset_selection=[STAGING, TRANSFORM],
        run_config={
            "ops": {"sales_stage_imports": {"config": {"files": [str(f) for f in files], "trigger": "sensor"}}}
        },
        tags={"import": "daily_sales", "trigger": "sensor"},
        raise_on_error=False,
    )


def _materializations(result):
    return [
        e.event_specific_data.materialization
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    ]


def _materialization(result, key):
    [found] = [m for m in _materializations(result) if m.asset_key == key]
    return found.metadata


def _dest_rows(engine):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT order_id, amount FROM sales ORDER BY order_id"))]


def test_sensor_style_run_stages_checks_and_transforms(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(
        engine,
        folder,
        {"rule_name": "amount present", "target_column": "amount", "check_type": "NOT_NULL"},
        {
            "rule_name": "order unique",
            "target_column": "order_id",
            "check_type": "UNIQUE",
            "severity": "WARN",
        },
    )
    source = folder / "sales_1.csv"
    source.write_text("order_id,amount\n1,10.50\n2,3\n2,4\n")

    result = _run(build_defs(), instance, [source])

    assert result.success
    assert [(int(a), float(b)) for a, b in _dest_rows(engine)] == [(1, 10.5), (2, 3.0), (2, 4.0)]
    staged = _materialization(result, STAGING)
    assert staged["dagster/row_count"].value == 3
    assert staged["rows_read"].value == 3
    assert staged["files"].value[0]["name"] == "sales_1.csv"
    assert staged["files"].value[0]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    preview = staged["preview"].value.splitlines()
    assert preview[0].startswith("| ") and "order_id" in preview[0] and len(preview) == 2 + 3
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["amount_present"].passed
    assert not checks["order_unique"].passed  # WARN: reported, does not stop the transform
    assert checks["order_unique"].severity == dg.AssetCheckSeverity.WARN
    assert checks["order_unique"].metadata["failing_rows"].value == 2
    loaded = _materialization(result, TRANSFORM)
    assert loaded["dagster/row_count"].value == 3


def test_blocking_check_stops_the_transform(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder, {"rule_name": "amount present", "target_column": "amount", "check_type": "NOT_NULL"})
    source = folder / "sales_bad.csv"
    source.write_text("order_id,amount\n1,\n2,5\n")

    result = _run(build_defs(), instance, [source])

    assert not result.success
    check = result.get_asset_check_evaluations()[0]
    assert check.check_name == "amount_present" and not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["failing_rows"].value == 1
    assert [m for m in _materializations(result) if m.asset_key == TRANSFORM] == []
    assert _dest_rows(engine) == []


def test_manual_group_run_stages_every_import_in_dependency_order(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
        conn.execute(sa.text(STAGING_DDL.replace("stg_sales", "stg_returns")))
        conn.execute(sa.text(DEST_DDL.replace("sales", "returns")))
    add_config(
        engine,
        import_name="returns",
        file_pattern="returns_*.csv",
        monitored_directory=str(folder),
        staging_table="stg_returns",
        destination_table="returns",
        depends_on="daily_sales",
    )
    add_config(engine, monitored_directory=str(folder), destination_table="sales")
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10\n")
    (folder / "returns_1.csv").write_text("order_id,amount\n1,-10\n")
    defs = build_defs()
    job = defs.resolve_job_def("Sales_job")
    returns = dg.AssetKey("returns_extract_and_load_staging")

    both_with_files = job.execute_in_process(
        instance=instance,
        asset_selection=[STAGING, returns],
        run_config={"ops": {"sales_stage_imports": {"config": {"files": [str(folder / "sales_1.csv")]}}}},
        raise_on_error=False,
    )
    assert not both_with_files.success
    error = both_with_files.failure_data_for_node("sales_stage_imports").error
    assert "several imports are selected" in error.cause.message

    result = job.execute_in_process(instance=instance, asset_selection=[STAGING, returns, TRANSFORM])
    assert result.success
    staged = [m.asset_key for m in _materializations(result)]
    assert staged.index(STAGING) < staged.index(returns)  # depends_on first
    assert [(int(a), float(b)) for a, b in _dest_rows(engine)] == [(1, 10.0)]
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(sa.text("SELECT order_id FROM returns"))] == [(1,)]


def test_run_config_reload_loads_a_loaded_file_again(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE stg_sales (order_id VARCHAR(20), amount VARCHAR(20), dagster_run_id VARCHAR(255), "
                "source_file_hash VARCHAR(64), source_row_number BIGINT)"
            )
        )
        conn.execute(
            sa.text("CREATE TABLE sales (order_id INTEGER, amount NUMERIC(12,2), source_file_hash VARCHAR(64))")
        )
    add_config(engine, monitored_directory=str(folder), destination_table="sales", load_method="append")
    source = folder / "sales_1.csv"
    source.write_text("order_id,amount\n1,10.50\n2,3\n")
    defs = build_defs()
    assert _run(defs, instance, [source]).success
    skipped = _run(defs, instance, [source])
    assert _materialization(skipped, STAGING)["files"].value[0]["status"] == "duplicate"
    job = defs.resolve_job_def("Sales_job")
    reloaded = job.execute_in_process(
        instance=instance,
        asset_selection=[STAGING, TRANSFORM],
        run_config={"ops": {"sales_stage_imports": {"config": {"files": [str(source)], "reload": True}}}},
        raise_on_error=False,
    )
    assert reloaded.success
    assert _materialization(reloaded, TRANSFORM)["rows_replaced_by_reload"].value == {"daily_sales": 2}
    assert [(int(a), float(b)) for a, b in _dest_rows(engine)] == [(1, 10.5), (2, 3.0)]
