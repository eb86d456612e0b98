"""The generated job on the direct path: the staging step loads PostgreSQL straight into the destination.

Every test runs on both warehouses. SQLite always stages, so there the same
assertions show the staged flow unchanged; on PostgreSQL a statement trigger on the
staging table counts what it receives, which tells which path ran.
"""

from __future__ import annotations

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
OP_CONFIG = "sales_stage_imports"


def _setup(engine, folder) -> None:
    statements = [STAGING_DDL, DEST_DDL, "INSERT INTO sales VALUES (99, 1)"]
    statements.append("CREATE TABLE stg_writes (n INTEGER)")
    if engine.dialect.name == "postgresql":
        statements += [
            "CREATE FUNCTION stg_write_seen() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO stg_writes VALUES (1); RETURN NULL; END $$",
            "CREATE TRIGGER stg_write_seen AFTER INSERT ON stg_sales FOR EACH STATEMENT "
            "EXECUTE FUNCTION stg_write_seen()",
        ]
    else:
        statements.append(
            "CREATE TRIGGER stg_write_seen AFTER INSERT ON stg_sales BEGIN INSERT INTO stg_writes VALUES (1); END"
        )
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    add_config(engine, monitored_directory=str(folder), load_method="replace")
    add_rule(engine, rule_name="amount present", target_column="amount", check_type="NOT_NULL")
    add_rule(engine, rule_name="amount positive", target_column="amount", check_type="NOT_NEGATIVE", severity="WARN")


def _query(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def _staging_writes(engine) -> int:
    """Writes into stg_sales: statements on PostgreSQL, rows on SQLite."""
    return _query(engine, "SELECT COUNT(*) FROM stg_writes")[0][0]


def _metadata(result, key):
    [found] = [
        e.event_specific_data.materialization.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.event_specific_data.materialization.asset_key == key
    ]
    return found


def test_a_sensor_run_loads_in_the_staging_step_and_the_transform_has_nothing_left(
    engine, build_defs, instance, tmp_path
):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder)
    source = folder / "sales_1.csv"
    source.write_text("order_id,amount\n1,10.50\n2,3\n3,4\n")

    result = (
        build_defs()
        .resolve_job_def("Sales_job")
        .execute_in_process(
            instance=instance,
            asset_selection=[STAGING, TRANSFORM],
            run_config={"ops": {OP_CONFIG: {"config": {"files": [str(source)], "trigger": "sensor"}}}},
            tags={"import": "daily_sales", "trigger": "sensor"},
        )
    )

    assert result.success
    rows = _query(engine, "SELECT order_id, amount FROM sales ORDER BY order_id")
    assert [(int(a), float(b)) for a, b in rows] == [(1, 10.5), (2, 3.0), (3, 4.0)]
    assert _query(engine, "SELECT status, rows_loaded FROM elt_file_ledger") == [("LOADED", 3)]
    assert _query(engine, "SELECT status, trigger, rows_loaded FROM etl_pipeline_run_logs") == [
        ("SUCCESS", "sensor", 3)
    ]
    assert _query(engine, "SELECT COUNT(*) FROM stg_sales") == [(0,)]
    staged = _metadata(result, STAGING)
    assert staged["dagster/row_count"].value == 3 and staged["files"].value[0]["name"] == "sales_1.csv"
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert sorted(checks) == ["amount_positive", "amount_present"]
    assert all(c.passed and c.metadata["failing_rows"].value == 0 for c in checks.values())
    assert checks["amount_present"].severity == dg.AssetCheckSeverity.ERROR
    transformed = _metadata(result, TRANSFORM)
    assert transformed["dagster/row_count"].value == 3
    assert _staging_writes(engine) == 0  # not one row went through staging
    assert transformed["imports"].value == "loaded directly by the staging step: 3 rows"
    assert transformed["rows_loaded_directly"].value == {"daily_sales": 3}
    assert transformed["truncated_tables"].value == "(none)"  # the staging step emptied it


def test_a_run_of_the_staging_asset_alone_stages_and_leaves_the_destination(engine, build_defs, instance, tmp_path):
    """Without the transform in the run, nothing may reach the destination: the staging step stages."""
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder)
    (folder / "sales_1.csv").write_text("order_id,amount\n1,10.50\n")

    result = build_defs().resolve_job_def("Sales_job").execute_in_process(instance=instance, asset_selection=[STAGING])

    assert result.success
    assert _query(engine, "SELECT order_id FROM sales") == [(99,)]
    assert _query(engine, "SELECT status FROM elt_file_ledger") == [("STAGED",)]
    assert _query(engine, "SELECT COUNT(*) FROM stg_sales") == [(1,)]
    assert _staging_writes(engine) >= 1
    assert len(result.get_asset_check_evaluations()) == 2
