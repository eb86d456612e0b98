"""The _utility group and the config-SQL generator job produce their metadata and files."""

from __future__ import annotations

import dagster as dg
import pytest

from elt_project.orchestration.config_generator import generate_pipeline_config_sql
from tests.orchestration.conftest import add_config


def test_utility_jobs_write_setup_sql_backups_and_problems(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "sales_2024.csv").write_text("Order ID,Amount,Order Date\n1,10.5,2024-01-02\n")
    add_config(
        engine,
        pipeline_name="New Reports",
        import_name="new_reports",
        monitored_directory=str(folder),
        staging_table="stg_new_reports",
        destination_table="new_reports",
    )
    add_config(engine, import_name="broken", staging_table="bad name")
    defs = build_defs()

    job = defs.resolve_job_def("utility_jobs")
    selection = [
        dg.AssetKey("new_reports_generate_setup_sql"),
        dg.AssetKey("utility_backup_database_objects"),
        dg.AssetKey("config_problems"),
    ]
    result = job.execute_in_process(instance=instance, asset_selection=selection, raise_on_error=False)

    assert result.success
    setup = result.asset_materializations_for_node("new_reports_generate_setup_sql")[0].metadata
    sql = setup["generated_sql_setup"].value
    assert sql.startswith("```sql") and "stg_new_reports" in sql and "CREATE TABLE" in sql.upper()
    out = tmp_path / "out"
    dialect = engine.dialect.name
    written = out / "generated_sql" / f"new_reports_setup.{dialect}.sql"
    assert written.is_file() and "stg_new_reports" in written.read_text()
    assert setup["dialect"].value == dialect
    backup = result.asset_materializations_for_node("utility_backup_database_objects")[0].metadata
    assert backup["file_count"].value >= 1
    assert any("elt_pipeline_configs" in name for name in backup["files"].value)
    assert all(path.startswith(str(out / "backups")) for path in backup["files"].value)
    problems = result.asset_materializations_for_node("config_problems")[0].metadata
    assert problems["problem_count"].value == 1
    assert "('broken'): column staging_table" in problems["problems"].value


def test_every_job_and_the_implicit_asset_job_run_in_one_process(engine, build_defs):
    add_config(engine, import_name="daily_sales")
    defs = build_defs()
    repo = defs.get_repository_def()
    jobs = [repo.get_job(name) for name in repo.job_names]
    names = {job.name for job in jobs}
    assert {"utility_jobs", "Sales_job", "generate_pipeline_config_sql"} <= names
    assert any(name.startswith("__ASSET_JOB") for name in names)
    for job in jobs:
        assert job.executor_def is dg.in_process_executor, job.name
    assert defs.resolve_implicit_global_asset_job_def().executor_def is dg.in_process_executor


def _form(**overrides):
    values = {
        "pipeline_name": "NextGen",
        "import_name": "nextgen_sap",
        "staging_table": "stg_sap",
        "destination_table": "sap",
        "file_pattern": "dynamic_sap_data-*.csv",
        "monitored_directory": "C:\\Pipelines\\NextGen",
    }
    values.update(overrides)
    return {"ops": {"generate_config_sql_op": {"config": values}}}


def _generated_sql(result) -> str:
    [event] = [e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    return event.event_specific_data.metadata["generated_sql"].value


def test_config_generator_job_renders_the_insert():
    result = generate_pipeline_config_sql.execute_in_process(
        run_config=_form(ingestion_method="configurable_parser", load_method="append", deduplication_key="ID,Date")
    )
    sql = _generated_sql(result)
    assert sql.startswith("```sql\nINSERT INTO")
    assert "'generic_configurable_parser'" in sql and "'append'" in sql and "'ID,Date'" in sql
    assert "'C:\\Pipelines\\NextGen'" in sql


def test_config_generator_rejects_an_invalid_row_with_the_column():
    result = generate_pipeline_config_sql.execute_in_process(
        run_config=_form(staging_table="stg sap"), raise_on_error=False
    )
    assert not result.success
    failure = result.failure_data_for_node("generate_config_sql_op")
    assert "column staging_table" in failure.error.cause.message


def test_config_form_offers_the_documented_choices():
    from elt_project.orchestration.config_generator import IngestionMethod, LoadMethod, PipelineConfigForm

    assert [m.value for m in IngestionMethod] == [
        "file_system",
        "sftp_download",
        "web_scraper",
        "selenium_scraper",
        "custom_parser",
        "configurable_parser",
    ]
    assert [m.value for m in LoadMethod] == ["replace", "append"]
    missing = [name for name, f in PipelineConfigForm.model_fields.items() if not f.description]
    assert missing == []
    with pytest.raises(dg.DagsterInvalidConfigError):
        generate_pipeline_config_sql.execute_in_process(run_config=_form(ingestion_method="ftp"))


def test_column_mappings_asset_saves_the_mapping_once_staging_exists(engine, build_defs, instance, tmp_path):
    import sqlalchemy as sa

    from elt_project.db import schema

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "sales_2024.csv").write_text("Order ID,Amount\n1,10.5\n")
    add_config(
        engine,
        pipeline_name="New Reports",
        import_name="new_reports",
        monitored_directory=str(folder),
        staging_table="stg_new_reports",
        destination_table="new_reports",
    )
    add_config(
        engine,
        pipeline_name="New Reports",
        import_name="no_table_yet",
        monitored_directory=str(folder),
        staging_table="stg_missing",
        destination_table="missing",
    )
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE stg_new_reports (order_id VARCHAR(50), amount VARCHAR(50), dagster_run_id VARCHAR(255))"
            )
        )
    defs = build_defs()
    result = defs.resolve_job_def("utility_jobs").execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("new_reports_generate_column_mappings")]
    )
    metadata = result.asset_materializations_for_node("new_reports_generate_column_mappings")[0].metadata
    assert metadata["imports_mapped"].value == 1
    assert any("no_table_yet" in p or "stg_missing" in p for p in metadata["problems"].value)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(schema.elt_pipeline_configs.c.column_mapping).where(
                schema.elt_pipeline_configs.c.import_name == "new_reports"
            )
        ).scalar_one()
    assert stored == metadata["column_mappings"].value["new_reports"]
    assert "Order ID" in stored and "order_id" in stored


def test_config_form_takes_its_columns_from_the_config_model():
    from elt_project.config.models import PipelineConfig
    from elt_project.ingest.registry import registered_file_types
    from elt_project.orchestration.config_generator import FORM_COLUMNS, PipelineConfigForm

    form = PipelineConfigForm.model_fields
    assert set(form) == {*FORM_COLUMNS, "ingestion_method", "sql_dialect"}
    for name in FORM_COLUMNS:
        if name != "file_type":
            assert form[name].description == PipelineConfig.model_fields[name].description, name
    assert all(file_type in form["file_type"].description for file_type in registered_file_types())
