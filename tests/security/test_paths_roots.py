"""A config row cannot make the product read or archive files outside the folders imports may watch.

Settings here are built with ``env={}``: only the data folder, plus what a test
lists explicitly, is allowed (not the test suite's temporary area).
"""

from __future__ import annotations

import io

import pytest

from elt_project.config.repository import get_pipeline_config, load_pipeline_configs
from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest.paths import check_monitored_root
from elt_project.ingest.uploads import save_upload
from elt_project.pipeline import archive
from elt_project.pipeline.api import run_import
from elt_project.settings import load_settings
from tests.config_rows import insert_config
from tests.pipeline.conftest import DEST_DDL, STAGING_DDL, execute, query, write_csv


@pytest.fixture
def strict(database_url, tmp_path):
    """Settings whose only monitored root is the data folder (the default)."""
    (tmp_path / "transforms").mkdir()
    return load_settings(
        env={},
        env_file=tmp_path / "no.env",
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        transforms_dir=str(tmp_path / "transforms"),
    )


def add_row(engine, folder, **values):
    row = {
        "pipeline_name": "sales",
        "import_name": "sales_daily",
        "file_pattern": "*",
        "monitored_directory": str(folder),
        "file_type": "csv",
        "staging_table": "stg_sales",
        "destination_table": "dest_sales",
        "load_method": "append",
        "is_active": 1,
        "archive_processed_files": 1,
    }
    row.update(values)
    insert_config(engine, **row)


def test_the_data_folder_and_listed_folders_are_roots_and_nothing_else(strict, tmp_path):
    data = strict.data_dir
    assert (
        check_monitored_root(str(data / "incoming" / "sales"), strict.monitored_root_folders())
        == (data / "incoming" / "sales").resolve()
    )
    for outside in (tmp_path / "elsewhere", data / ".." / "escape", "/etc"):
        with pytest.raises(ConfigurationError, match="outside the folders imports may watch.*ELT_MONITORED_ROOTS"):
            check_monitored_root(str(outside), strict.monitored_root_folders())
    shared = tmp_path / "shared"
    admin = load_settings(env={"ELT_MONITORED_ROOTS": str(shared)}, env_file=tmp_path / "no.env", data_dir=str(data))
    assert check_monitored_root(str(shared / "finance"), admin.monitored_root_folders()) == shared / "finance"


def test_a_row_outside_the_roots_is_a_problem_when_configs_are_validated(engine, strict, tmp_path):
    add_row(engine, tmp_path / "elsewhere")
    add_row(engine, strict.data_dir / "incoming", import_name="inside")
    configs, problems = load_pipeline_configs(engine, monitored_roots=strict.monitored_root_folders())
    assert [c.import_name for c in configs] == ["inside"]
    [problem] = problems
    assert problem.column == "monitored_directory" and "outside the folders imports may watch" in problem.reason


def test_a_run_refuses_a_folder_outside_the_roots_and_moves_nothing(engine, strict, tmp_path):
    execute(engine, STAGING_DDL, DEST_DDL)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "important.conf").write_text("keep me where I am\n")
    add_row(engine, elsewhere)
    config = get_pipeline_config(engine, "sales_daily")  # read without the roots: the run checks again
    with pytest.raises(ConfigurationError, match="outside the folders imports may watch"):
        run_import(engine, strict, config)
    assert (elsewhere / "important.conf").read_text() == "keep me where I am\n"
    assert not (tmp_path / "failed").exists() and not (tmp_path / "processed").exists()
    assert query(engine, "SELECT COUNT(*) FROM elt_file_ledger") == [(0,)]
    assert query(engine, "SELECT COUNT(*) FROM etl_pipeline_run_logs") == [(0,)]


def test_archiving_moves_only_what_the_ledger_recorded_for_the_run(engine, strict):
    execute(engine, STAGING_DDL, DEST_DDL)
    inbox = strict.data_dir / "incoming" / "sales"
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "10.50", "ok"]])
    (inbox / "notes.txt").write_text("not an import file\n")
    add_row(engine, inbox, file_pattern="sales_*.csv")
    run_import(engine, strict, get_pipeline_config(engine, "sales_daily"))
    assert [p.name for p in (inbox.parent / "processed").iterdir()] == ["sales_1.csv"]
    assert sorted(p.name for p in inbox.iterdir()) == ["notes.txt"]


def test_archive_never_moves_a_file_from_outside_the_monitored_folder(engine, strict, tmp_path):
    inbox = strict.data_dir / "incoming"
    inbox.mkdir(parents=True)
    stray = tmp_path / "important.conf"
    stray.write_text("x")
    add_row(engine, inbox)
    config = get_pipeline_config(engine, "sales_daily")
    assert archive.archive(config, [stray], "failed") == []
    assert stray.exists() and not (strict.data_dir / "failed").exists()


def test_an_upload_is_not_written_to_a_folder_outside_the_roots(engine, strict, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    add_row(engine, elsewhere, file_pattern="sales_*.csv")
    add_row(engine, strict.data_dir / "incoming", import_name="inside", file_pattern="sales_*.csv")
    roots = strict.monitored_root_folders()
    with pytest.raises(SourceFileError, match="outside the folders imports may watch"):
        save_upload(
            get_pipeline_config(engine, "sales_daily"), io.BytesIO(b"a\n1\n"), "s.csv", max_bytes=99, roots=roots
        )
    assert not elsewhere.exists()
    saved = save_upload(
        get_pipeline_config(engine, "inside"), io.BytesIO(b"a\n1\n"), "s.csv", max_bytes=99, roots=roots
    )
    assert saved.parent == (strict.data_dir / "incoming").resolve() and saved.read_bytes() == b"a\n1\n"
