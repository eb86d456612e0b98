"""The page's Flask-free parts on their own: upload names, launch plans, the client's errors."""

from __future__ import annotations

import io

import pytest

from elt_project.config.models import PipelineConfig
from elt_project.errors import SourceFileError, TransientError
from elt_project.ingest.uploads import generated_name, save_upload, upload_extension
from elt_project.orchestration.dagster_client import DagsterClient, DagsterUnreachable
from elt_project.orchestration.launch import TAG_IMPORTS, TAG_LAUNCHED_BY, launch_all, plan_launches
from tests.net import free_port


def _config(**values) -> PipelineConfig:
    row = {
        "pipeline_name": "Sales Team",
        "import_name": "daily sales",
        "file_pattern": "sales_*.csv",
        "monitored_directory": "/tmp/unused",
        "file_type": "csv",
        "staging_table": "stg_sales",
        "destination_table": "sales",
    }
    row.update(values)
    return PipelineConfig(**row)


def test_generated_names_fit_the_pattern_and_never_the_uploaders_name():
    assert generated_name(_config(), ".csv", "upload_x") == "sales_upload_x.csv"
    assert generated_name(_config(file_pattern="sales_*"), ".csv", "upload_x") == "sales_upload_x.csv"
    assert generated_name(_config(file_pattern="*"), ".csv", "upload_x") == "upload_x.csv"
    assert generated_name(_config(file_pattern="report_??_*.csv"), ".csv", "t") == "report_00_t.csv"
    with pytest.raises(SourceFileError, match="expects files named budget.csv"):
        generated_name(_config(file_pattern="budget.csv"), ".csv", "t")
    with pytest.raises(SourceFileError, match="choose a file ending in .csv"):
        upload_extension(_config(), "report.exe")
    assert upload_extension(_config(file_type="excel", file_pattern="*.xlsx"), "Book1.XLSX") == ".xlsx"


def test_save_upload_renames_a_complete_file_into_place(tmp_path):
    config = _config(monitored_directory=str(tmp_path / "in"))
    path = save_upload(config, io.BytesIO(b"id\n1\n"), "../x.csv", max_bytes=1024, uploader="ann/../b")
    assert path.parent == (tmp_path / "in").resolve()
    assert path.name.startswith("sales_upload_") and "_annb_" in path.name
    assert [p.name for p in (tmp_path / "in").iterdir()] == [path.name]
    with pytest.raises(SourceFileError, match="larger than"):
        save_upload(config, io.BytesIO(b"x" * 5000), "big.csv", max_bytes=4096)
    assert [p.name for p in (tmp_path / "in").iterdir()] == [path.name]


def test_one_run_per_group_and_a_pinned_file_gets_its_own():
    a = _config(import_name="a")
    b = _config(import_name="b")
    c = _config(import_name="c", pipeline_name="Stock", staging_table="stg_c", destination_table="c")
    plans = plan_launches([a, c, b], "ann")
    assert [(p.job_name, p.imports) for p in plans] == [("Sales_Team_job", ("a", "b")), ("Stock_job", ("c",))]
    first = plans[0]
    assert first.staging_assets == ("a_extract_and_load_staging", "b_extract_and_load_staging")
    assert first.transform_asset == "sales_team_transform"
    assert first.run_config == {"ops": {"sales_team_stage_imports": {"config": {"trigger": "runner"}}}}
    assert first.tags[TAG_LAUNCHED_BY] == "ann" and first.tags[TAG_IMPORTS] == "a,b" and "import" not in first.tags
    assert plans[1].tags["import"] == "c"
    pinned = plan_launches([a, b], "ann", files={"a": ["/in/f.csv"]})
    assert [p.imports for p in pinned] == [("a",), ("b",)]
    assert pinned[0].run_config["ops"]["sales_team_stage_imports"]["config"]["files"] == ["/in/f.csv"]


def test_an_unreachable_dagster_is_reported_for_every_import():
    client = DagsterClient(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    outcome = launch_all(client, plan_launches([_config(import_name="a"), _config(import_name="b")], "ann"))
    assert outcome.launched == [] and [p.import_name for p in outcome.problems] == ["a", "b"]
    with pytest.raises(DagsterUnreachable, match="Dagster is not answering") as caught:
        client.run("0123456789abcdef")
    assert isinstance(caught.value, TransientError)


def test_messages_shown_to_people_lose_the_servers_paths():
    from elt_project.pipeline.overview import without_server_paths

    assert (
        without_server_paths("File /srv/elt/data/incoming/sales/sales_1.csv has no header; fix it.")
        == "File sales_1.csv has no header; fix it."
    )
    assert without_server_paths("Cannot read C:\\data\\in\\Budget.xlsx now.") == "Cannot read Budget.xlsx now."
    kept = "Open http://127.0.0.1:3001/runs/abc and see 'elt reload'; 3/4 rows."
    assert without_server_paths(kept) == kept


def test_desktop_identity_reads_the_credential_store_stand_in(tmp_path):
    """The OS credential store cannot run here; a lookup function stands in for Windows Credential Manager."""
    from elt_project.auth.desktop import desktop_login_name
    from tests.runner.conftest import make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'w.db'}", tmp_path, db_username="fallback_login")
    asked = []

    def store(target: str) -> str | None:
        asked.append(target)
        return " sql_user_name "

    assert desktop_login_name(settings, store) == "sql_user_name"
    assert asked == [settings.credential_target]
    assert desktop_login_name(settings, lambda target: None) == "fallback_login"
