"""Backups: INSERT scripts that restore the same rows into a new warehouse, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest
import sqlalchemy as sa
import sqlglot
from click.testing import CliRunner
from sqlglot import exp

from elt_project.cli import main
from elt_project.db import schema
from elt_project.db.backup import (
    backup_tables,
    render_insert,
    restore_backups,
    split_sql_statements,
)
from elt_project.db.tsql_scripts import dialect_for
from elt_project.errors import ConfigurationError
from tests.config_rows import insert_config

TRICKY = 'O\'Brien; DROP TABLE x; -- not a comment\n"quoted" [bracket] \\ back Zürich 東京 🚀'
STAMP = dt.datetime(2024, 2, 29, 23, 59, 58, 123000)


def seed(engine) -> None:
    with engine.begin() as conn:
        insert_config(
            conn,
            import_name="sales_csv",
            staging_table="stg_sales",
            destination_table="dest_sales",
            scraper_config='{"read_options": {"sep": ";"}}',
            column_mapping=TRICKY,
            last_import_date=STAMP,
        )
        insert_config(conn, import_name="returns_csv", is_active=0)
        conn.execute(
            schema.etl_pipeline_run_logs.insert(),
            [
                {
                    "run_id": f"run-{i}",
                    "status": "SUCCESS" if i % 3 else "FAILED",
                    "start_time": STAMP + dt.timedelta(minutes=i),
                    "rows_loaded": i * 1000 if i % 2 else None,
                    "error_message": TRICKY if i == 7 else None,
                }
                for i in range(250)  # more than two INSERT chunks
            ],
        )
        conn.execute(
            schema.data_quality_rules.insert().values(
                rule_name="status_in_set",
                target_table="stg_sales",
                target_column="status",
                check_type="IS_IN_SET",
                check_expression="'A', 'I'",
                severity="WARN",
            )
        )
        conn.execute(
            schema.analytics_predictions.insert().values(
                run_id="r1", actual_value=0.1, predicted_value=-1.5e-7, is_anomaly=1, prediction_date=STAMP
            )
        )
        # A deleted row leaves a gap: restored ids must keep it.
        conn.execute(schema.data_quality_rules.insert().values(rule_name="gone", target_table="t", check_type="X"))
        conn.execute(schema.data_quality_rules.insert().values(rule_name="after_gap", target_table="t", check_type="X"))
        conn.execute(schema.data_quality_rules.delete().where(schema.data_quality_rules.c.rule_name == "gone"))


def snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]
            for table in schema.metadata.sorted_tables
        }


def test_backup_restore_round_trip(engine, fresh_engine, tmp_path):
    seed(engine)
    before = snapshot(engine)
    paths = backup_tables(engine, tmp_path / "backups")
    assert {p.name for p in paths} == {f"backup_data_{t}.sql" for t in schema.metadata.tables}
    configs_sql = (tmp_path / "backups" / "backup_data_elt_pipeline_configs.sql").read_text(encoding="utf-8")
    assert "O''Brien" in configs_sql

    restored = restore_backups(fresh_engine, tmp_path / "backups")
    assert restored["etl_pipeline_run_logs"] == 250
    assert restored["elt_users"] == 0
    after = snapshot(fresh_engine)
    assert after == before
    assert [r[0] for r in after["data_quality_rules"]] == [1, 3]

    # Identity continues after the restored ids on every warehouse.
    with fresh_engine.begin() as conn:
        new_id = conn.execute(
            schema.data_quality_rules.insert()
            .values(rule_name="new", target_table="t", check_type="X")
            .returning(schema.data_quality_rules.c.id)
        ).scalar_one()
        assert new_id == 4
        conn.execute(schema.elt_users.insert().values(username="first", password_hash="h"))


def test_backup_is_stable_for_version_control(engine, tmp_path):
    seed(engine)
    first = [p.read_text(encoding="utf-8") for p in backup_tables(engine, tmp_path / "a")]
    second = [p.read_text(encoding="utf-8") for p in backup_tables(engine, tmp_path / "b")]
    assert first == second


def test_restore_refuses_a_warehouse_with_rows(engine, tmp_path):
    seed(engine)
    backup_tables(engine, tmp_path / "backups", tables=["data_quality_rules"])
    with pytest.raises(ConfigurationError, match="already holds 2 rows; restore only into an empty warehouse"):
        restore_backups(engine, tmp_path / "backups")


def test_unknown_table_and_empty_folder_are_clear(engine, tmp_path):
    with pytest.raises(ConfigurationError, match="not_a_table is not a metadata table"):
        backup_tables(engine, tmp_path, tables=["not_a_table"])
    with pytest.raises(ConfigurationError, match="No backup_data_"):
        restore_backups(engine, tmp_path)


def test_cli_backup_and_restore(engine, fresh_engine, tmp_path, monkeypatch):
    seed(engine)
    runner = CliRunner()
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    result = runner.invoke(main, ["backup", "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "backup_data_elt_pipeline_configs.sql" in result.output
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    result = runner.invoke(main, ["restore", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "etl_pipeline_run_logs: 250 rows" in result.output
    result = runner.invoke(main, ["restore", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "Error: Table" in result.output and "already holds" in result.output


def test_mssql_rendering_is_language_neutral_tsql():
    dialect = dialect_for("mssql")
    sql = render_insert(
        schema.etl_pipeline_run_logs,
        [{"id": 7, "run_id": TRICKY, "status": "OK", "start_time": STAMP, "rows_read": None}],
        dialect,
    )
    assert "'2024-02-29T23:59:58.123'" in sql
    assert "N'O''Brien" in sql
    assert "OUTPUT" not in sql
    parsed = sqlglot.parse_one(sql, read="tsql")
    assert isinstance(parsed, exp.Insert)
    values = parsed.find(exp.Tuple).expressions
    assert isinstance(values[1], exp.National) and values[1].this == TRICKY
    assert isinstance(values[4], exp.Null)


def test_split_keeps_semicolons_inside_literals_and_drops_comments():
    text = "-- head; comment\nINSERT INTO t VALUES ('a;b', 'it''s; -- x');\nSET X ON;\n-- tail\n"
    assert split_sql_statements(text) == ["INSERT INTO t VALUES ('a;b', 'it''s; -- x')", "SET X ON"]


def test_transforms_are_scripted_and_can_be_recreated(engine, settings, tmp_path):
    from elt_project.config.insert_sql import render_config_insert
    from elt_project.db.backup import backup_transforms
    from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql
    from tests.sqlgen.test_setup_sql import make_configs, write_samples

    configs = make_configs(write_samples(tmp_path))[:1]
    with engine.begin() as conn:
        values = configs[0].model_dump(exclude={"id", "scraper_config", "deduplication_key", "depends_on"})
        conn.exec_driver_sql(render_config_insert(values, engine.dialect.name))
    apply_setup_sql(engine, generate_setup_sql(configs, engine.dialect.name), settings)

    paths = backup_transforms(engine, tmp_path / "backups", settings.transforms_dir)
    assert [p.name for p in paths] == ["backup_procedure_sp_transform_sales.sql"]
    text = paths[0].read_text(encoding="utf-8")
    assert 'INSERT INTO "dest_orders"' in text
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP PROCEDURE sp_transform_sales")
        with engine.begin() as conn:
            conn.exec_driver_sql(text)  # the scripted definition recreates it
            assert (
                conn.exec_driver_sql("SELECT count(*) FROM pg_proc WHERE proname = 'sp_transform_sales'").scalar() == 1
            )


@pytest.mark.parametrize("dialect_name", ["mssql", "postgresql", "sqlite"])
def test_fast_rendering_matches_sqlalchemy_literal_binds(dialect_name):
    dialect = dialect_for(dialect_name)
    table = schema.analytics_predictions
    rows = [
        {
            "id": 1,
            "run_id": TRICKY,
            "target_table": None,
            "model_type": "prophet",
            "prediction_date": None,
            "actual_value": 0.1,
            "predicted_value": -1.5e-7,
            "is_anomaly": 1,
            "anomaly_score": None,
            "created_at": None,
        },
        {
            "id": 2,
            "run_id": "r2",
            "target_table": "sales",
            "model_type": "",
            "prediction_date": None,
            "actual_value": 12345678901.25,
            "predicted_value": 3,
            "is_anomaly": 0,
            "anomaly_score": 1e300,
            "created_at": None,
        },
    ]
    expected = sa.insert(table).inline().values(rows).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    assert render_insert(table, rows, dialect) == str(expected)


def _feed_with_a_transform(engine, settings, tmp_path) -> None:
    """One config row whose transform exists (a procedure on PostgreSQL, a script on SQLite)."""
    from elt_project.config.insert_sql import render_config_insert
    from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql
    from tests.sqlgen.test_setup_sql import make_configs, write_samples

    configs = make_configs(write_samples(tmp_path))[:1]
    with engine.begin() as conn:
        values = configs[0].model_dump(exclude={"id", "scraper_config", "deduplication_key", "depends_on"})
        conn.exec_driver_sql(render_config_insert(values, engine.dialect.name))
    apply_setup_sql(engine, generate_setup_sql(configs, engine.dialect.name), settings)


def _files(folder) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def test_the_backup_asset_writes_the_same_backup_as_elt_backup(engine, settings, tmp_path, monkeypatch):
    from elt_project.orchestration.factory import build_definitions
    from elt_project.orchestration.resources import WarehouseResource
    from elt_project.orchestration.snapshot import read_snapshot

    _feed_with_a_transform(engine, settings, tmp_path)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ELT_TRANSFORMS_DIR", str(settings.transforms_dir))
    result = CliRunner().invoke(main, ["backup", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output

    warehouse = WarehouseResource.for_settings(settings, output_dir=tmp_path / "asset")
    defs = build_definitions(read_snapshot(engine), settings, warehouse=warehouse)
    job = defs.resolve_job_def("utility_jobs")
    run = job.execute_in_process(asset_selection=[dg.AssetKey("utility_backup_database_objects")])
    assert run.success

    from_cli, from_asset = _files(tmp_path / "cli"), _files(tmp_path / "asset" / "backups")
    assert "backup_procedure_sp_transform_sales.sql" in from_asset
    assert "backup_data_elt_pipeline_configs.sql" in from_asset
    assert from_asset == from_cli


def test_one_setting_moves_generated_sql_and_backups(engine, settings, tmp_path, monkeypatch):
    from elt_project.orchestration.resources import WarehouseResource
    from elt_project.settings import load_settings

    _feed_with_a_transform(engine, settings, tmp_path)
    out = tmp_path / "elsewhere"
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ELT_TRANSFORMS_DIR", str(settings.transforms_dir))
    monkeypatch.setenv("ELT_OUTPUT_DIR", str(out))
    runner = CliRunner()
    assert runner.invoke(main, ["backup"]).exit_code == 0
    assert runner.invoke(main, ["setup-sql", "Sales"]).exit_code == 0
    assert (out / "backups" / "backup_data_elt_pipeline_configs.sql").is_file()
    assert (out / "generated_sql" / f"sales_setup.{engine.dialect.name}.sql").is_file()

    moved = load_settings(env={"ELT_OUTPUT_DIR": str(out)}, env_file=tmp_path / "no.env")
    assert moved.output_root == out
    assert WarehouseResource.for_settings(moved).output_root() == out
    relative = load_settings(env={"ELT_OUTPUT_DIR": "exports"}, env_file=tmp_path / "no.env")
    assert relative.output_root.is_absolute() and relative.output_root.name == "exports"
