"""SFTP imports configured by rows, through the one engine, against the real OpenSSH server."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from elt_project.config.repository import get_pipeline_config
from elt_project.pipeline.api import run_import
from tests.sources.conftest import add_remote_config, execute, query
from tests.sources.test_sftp_source import key_config, put

STAGING = (
    "CREATE TABLE stg_daily_sales (order_id VARCHAR(20), amount VARCHAR(20), dagster_run_id VARCHAR(255), "
    "source_file_hash VARCHAR(64))"
)
DEST = "CREATE TABLE dest_daily_sales (order_id INTEGER, amount NUMERIC(10,2))"

#: The product docs' SFTP example as written there (remote_path is set to the test server's folder).
DOCS_SFTP_EXAMPLE = """{
    "sftp_details": {
        "hostname_env_var": "MY_SFTP_HOST",
        "username_env_var": "MY_SFTP_USER",
        "password_env_var": "MY_SFTP_PASSWORD",
        "remote_path": "/remote/data/",
        "file_pattern": "daily_sales_*.csv"
    },
    "parse_details": {
        "file_type": "csv"
    }
}"""


def server_fingerprint(server) -> str:
    blob = base64.b64decode(server.host_public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@pytest.fixture
def sales_tables(engine):
    execute(engine, STAGING, DEST)
    return engine


def add_sftp_config(engine, scraper_config, **values):
    return add_remote_config(
        engine,
        scraper_config,
        pipeline_name="SFTP_Imports",
        import_name="sftp_daily_sales",
        file_pattern="daily_sales.csv",
        file_type="custom_sftp",
        staging_table="stg_daily_sales",
        destination_table="dest_daily_sales",
        parser_function="generic_sftp_downloader",
        **values,
    )


def test_docs_example_loads_once_across_runs(settings, sales_tables, sftp_env, remote_dir, monkeypatch, tmp_path):
    if sftp_env.password_user is None:
        pytest.skip(sftp_env.skip_password_reason)
    engine = sales_tables
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{sftp_env.port} {sftp_env.host_public_key}\n")
    monkeypatch.setenv("HOME", str(tmp_path))  # the user's known_hosts: the docs example pins nothing itself
    put(remote_dir, "daily_sales_1.csv", "order_id,amount\n1,10.50\n2,3.25\n")
    put(remote_dir, "notes.txt", "not data")
    config = add_sftp_config(engine, DOCS_SFTP_EXAMPLE.replace("/remote/data/", f"{remote_dir}/"))

    first = run_import(engine, settings, config)
    assert first.transform.rows_loaded == {"sftp_daily_sales": 2}
    rows = query(engine, "SELECT order_id, amount FROM dest_daily_sales ORDER BY order_id")
    assert [(r[0], float(r[1])) for r in rows] == [(1, 10.5), (2, 3.25)]
    address = f"sftp://127.0.0.1:{sftp_env.port}{remote_dir}/daily_sales_1.csv"
    assert query(engine, "SELECT file_path, status FROM elt_file_ledger") == [(address, "LOADED")]

    second = run_import(engine, settings, config)
    assert second.stages[0].files == [] and second.transform is None
    assert query(engine, "SELECT status FROM etl_pipeline_run_logs ORDER BY id") == [("SUCCESS",), ("NO_NEW_FILES",)]

    put(remote_dir, "daily_sales_2.csv", "order_id,amount\n1,10.50\n2,3.25\n")  # same content, new name
    third = run_import(engine, settings, config)
    assert [f.status for f in third.stages[0].files] == ["duplicate"]
    assert query(engine, "SELECT COUNT(*) FROM dest_daily_sales") == [(2,)]
    assert not list((settings.data_dir / "remote").rglob("*.csv")), "temporary downloads are removed"


@pytest.mark.parametrize("action", ["move", "delete"])
def test_after_download_runs_once_rows_are_committed(settings, sales_tables, sftp_env, remote_dir, action):
    engine = sales_tables
    put(remote_dir, "report-7.csv", "order_id,amount\n7,1.00\n")
    done = remote_dir / "done"
    scraper = key_config(remote_dir, sftp_env)
    scraper["after_download"] = f"move:{done}" if action == "move" else "delete"
    config = add_sftp_config(engine, scraper)
    run_import(engine, settings, config)
    assert query(engine, "SELECT order_id FROM dest_daily_sales") == [(7,)]
    assert not (remote_dir / "report-7.csv").exists()
    assert (done / "report-7.csv").exists() == (action == "move")

    put(remote_dir, "report-9.csv", "order_id,amount\n7,1.00\n")  # the same content again, under a new name
    again = run_import(engine, settings, config)
    assert [f.status for f in again.stages[0].files] == ["duplicate"]
    assert not (remote_dir / "report-9.csv").exists(), "a duplicate's content is loaded: after_download applies"


def test_failed_quality_keeps_the_remote_file(settings, sales_tables, sftp_env, remote_dir):
    engine = sales_tables
    execute(
        engine,
        "INSERT INTO data_quality_rules (rule_name, target_table, target_column, check_type, severity, is_active) "
        "VALUES ('amount set', 'stg_daily_sales', 'amount', 'NOT_NULL', 'FAIL', 1)",
    )
    put(remote_dir, "report-8.csv", "order_id,amount\n8,\n")
    scraper = key_config(remote_dir, sftp_env)
    scraper["after_download"] = "delete"
    config = add_sftp_config(engine, json.dumps(scraper))
    with pytest.raises(Exception, match="amount set"):
        run_import(engine, settings, config)
    assert (remote_dir / "report-8.csv").exists()
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]
    put(remote_dir, "report-8.csv", "order_id,amount\n8,2.00\n")  # fixed at the source: loaded next run
    run_import(engine, settings, get_pipeline_config(engine, "sftp_daily_sales"))
    assert query(engine, "SELECT order_id FROM dest_daily_sales") == [(8,)]
    assert not (remote_dir / "report-8.csv").exists()
