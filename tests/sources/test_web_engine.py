"""A web-scraper import configured by a row runs through the one engine: ledger, staging, quality, transform."""

from __future__ import annotations

import json

import pytest

from elt_project.config.repository import get_pipeline_config, load_pipeline_configs
from elt_project.errors import ConfigurationError, DataQualityFailure
from elt_project.pipeline.api import run_import
from tests.sources import site
from tests.sources.conftest import add_remote_config, execute, query

STAGING = (
    "CREATE TABLE stg_items (id VARCHAR(20), name VARCHAR(50), price VARCHAR(20), "
    "dagster_run_id VARCHAR(255), source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
DEST = "CREATE TABLE dest_items (id INTEGER, name VARCHAR(50), price NUMERIC(10,2))"

#: The product docs' TOTP example, as written there; only the host is the local test site.
DOCS_TOTP_EXAMPLE = """{
    "authentication": {
        "method": "totp_form",
        "login_url": "https://system-a.com/login",
        "payload": {
            "username_env_var": "SYSTEM_A_USERNAME",
            "password_env_var": "SYSTEM_A_PASSWORD",
            "totp_secret_env_var": "SYSTEM_A_TOTP_SECRET",
            "static_form_field": "some_static_value"
        },
        "success_condition": {
            "type": "text_in_response",
            "value": "Welcome, you are logged in"
        }
    },
    "data_extraction": {
        "url": "https://system-a.com/api/data",
        "method": "json",
        "json_path": "data.results"
    }
}"""

DOCS_TABLE_EXAMPLE = """{
    "authentication": {
        "method": "none"
    },
    "data_extraction": {
        "url": "https://en.wikipedia.org/wiki/List_of_countries_and_dependencies_by_population",
        "method": "html_table",
        "table_index": 0
    }
}"""


@pytest.fixture
def item_tables(engine):
    execute(engine, STAGING, DEST)
    return engine


def test_docs_totp_example_loads_rows_and_records_the_source(settings, item_tables, base_url, site_env):
    engine = item_tables
    config = add_remote_config(engine, DOCS_TOTP_EXAMPLE.replace("https://system-a.com", base_url))
    summary = run_import(engine, settings, config)
    assert summary.transform.rows_loaded == {"system_a_scraper": 3}
    rows = query(engine, "SELECT id, name, price FROM dest_items ORDER BY id")
    expected = [(i["id"], i["name"], float(i["price"])) for i in site.ITEMS[:3]]
    assert [(r[0], r[1], float(r[2])) for r in rows] == expected
    assert query(engine, "SELECT file_path, status FROM elt_file_ledger") == [(f"{base_url}/api/data#data", "LOADED")]
    assert query(engine, "SELECT status, rows_loaded FROM etl_pipeline_run_logs") == [("SUCCESS", 3)]
    assert not list((settings.data_dir / "remote").rglob("*.json")), "temporary files must be removed"


def test_same_snapshot_again_is_a_duplicate_but_an_older_one_coming_back_loads(
    settings, item_tables, base_url, site_env
):
    engine = item_tables
    api = {"authentication": {"method": "bearer", "token_env_var": "SYSTEM_A_TOKEN"},
           "data_extraction": {"url": f"{base_url}/api/data", "json_path": "data.results"}}
    config = add_remote_config(engine, api)
    run_import(engine, settings, config)
    second = run_import(engine, settings, config)
    assert [f.status for f in second.stages[0].files] == ["duplicate"]
    assert second.transform is None
    statuses = query(engine, "SELECT status FROM etl_pipeline_run_logs ORDER BY id")
    assert statuses == [("SUCCESS",), ("SKIPPED_DUPLICATE",)]

    other = dict(api, data_extraction={"url": f"{base_url}/api/items", "json_path": "items",
                                       "pagination": {"type": "next_link", "next_path": "next"}})
    execute(engine, f"UPDATE elt_pipeline_configs SET scraper_config = '{json.dumps(other)}'")
    run_import(engine, settings, get_pipeline_config(engine, "system_a_scraper"))
    assert query(engine, "SELECT COUNT(*) FROM dest_items") == [(len(site.ITEMS),)]
    execute(engine, f"UPDATE elt_pipeline_configs SET scraper_config = '{json.dumps(api)}'")
    again = run_import(engine, settings, get_pipeline_config(engine, "system_a_scraper"))
    assert [f.status for f in again.stages[0].files] == ["staged"]
    assert query(engine, "SELECT id FROM dest_items ORDER BY id") == [(1,), (2,), (3,)]


def test_docs_table_example_and_quality_rules_apply(settings, engine, base_url):
    execute(
        engine,
        "CREATE TABLE stg_countries (country VARCHAR(50), population VARCHAR(20), note VARCHAR(50), "
        "dagster_run_id VARCHAR(255))",
        "CREATE TABLE dest_countries (country VARCHAR(50), population VARCHAR(20), note VARCHAR(50))",
        "INSERT INTO data_quality_rules (rule_name, target_table, target_column, check_type, severity, is_active) "
        "VALUES ('note required', 'stg_countries', 'note', 'NOT_NULL', 'FAIL', 1)",
    )
    example = json.loads(DOCS_TABLE_EXAMPLE)
    example["data_extraction"]["url"] = f"{base_url}/table"
    example["data_extraction"]["table_index"] = 1
    config = add_remote_config(
        engine, example, import_name="countries", staging_table="stg_countries", destination_table="dest_countries"
    )
    with pytest.raises(DataQualityFailure, match="note required"):
        run_import(engine, settings, config)
    assert query(engine, "SELECT COUNT(*) FROM dest_countries") == [(0,)]
    assert query(engine, "SELECT status FROM elt_file_ledger") == [("FAILED",)]


def test_a_bad_scraper_config_is_a_config_problem_when_rows_are_read(item_tables):
    with pytest.raises(ConfigurationError, match="column scraper_config .*authentication.method 'magic'"):
        add_remote_config(item_tables, {"authentication": {"method": "magic"}, "data_extraction": {"url": "x"}})
    configs, problems = load_pipeline_configs(item_tables)
    assert configs == [] and "is not a valid generic_web_scraper config" in str(problems[0])


def test_a_secret_written_into_the_config_is_refused(item_tables):
    literal = {"authentication": {"method": "bearer", "token": "abc123"}, "data_extraction": {"url": "http://x"}}
    with pytest.raises(ConfigurationError, match="secret value at authentication.token; .*'token_env_var'"):
        add_remote_config(item_tables, literal)


def test_elt_run_launches_a_remote_import(item_tables, database_url, base_url, site_env, monkeypatch, tmp_path):
    from click.testing import CliRunner

    from elt_project.cli import main

    add_remote_config(item_tables, {"authentication": {"method": "bearer", "token_env_var": "SYSTEM_A_TOKEN"},
                                    "data_extraction": {"url": f"{base_url}/api/data", "json_path": "data.results"}})
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["run", "system_a_scraper"])
    assert result.exit_code == 0, result.output
    assert "system_a_scraper: loaded 3 rows" in result.output
    refused = CliRunner().invoke(main, ["run", "system_a_scraper", "--file", "x.csv"])
    assert refused.exit_code == 1 and "fetches its data itself" in refused.output
