"""Loading a file again on purpose after fixing its config: `elt run IMPORT --file F --reload`."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from elt_project.cli import main
from elt_project.config.repository import get_pipeline_config
from elt_project.db.schema import elt_file_ledger, elt_pipeline_configs
from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.pipeline.api import run_import
from tests.pipeline.conftest import execute, query

STAGING = (
    "CREATE TABLE stg_prices (item VARCHAR(100), price VARCHAR(50), dagster_run_id VARCHAR(255), "
    "source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
DEST = "CREATE TABLE dest_prices (item VARCHAR(100), price VARCHAR(50), source_file_hash VARCHAR(64))"
WINDOWS = "item;price\nCafé crème;€2,50\nThé;€1,90\n".encode("cp1252")


def _setup(engine, inbox, add_config, *, load_method="append", dest=DEST, encoding="latin1"):
    execute(engine, STAGING, dest)
    return add_config(
        import_name="prices",
        file_pattern="prices_*.csv",
        staging_table="stg_prices",
        destination_table="dest_prices",
        load_method=load_method,
        file_type="txt",
        scraper_config=json.dumps({"read_options": {"encoding": encoding}}),
    )


def _fix_encoding(engine):
    with engine.begin() as conn:
        conn.execute(
            sa.update(elt_pipeline_configs)
            .where(elt_pipeline_configs.c.import_name == "prices")
            .values(scraper_config=json.dumps({"read_options": {"encoding": "cp1252"}}))
        )
    return get_pipeline_config(engine, "prices")


def _ledger(engine):
    return query(engine, "SELECT status FROM elt_file_ledger WHERE import_name = 'prices' ORDER BY id")


def test_append_reload_replaces_exactly_that_files_rows(engine, settings, add_config, inbox):
    config = _setup(engine, inbox, add_config)
    (inbox / "prices_other.csv").write_text("item;price\nTea;1\n", encoding="utf-8")
    wrong = inbox / "prices_1.csv"
    wrong.write_bytes(WINDOWS)
    run_import(engine, settings, config, ["prices_other.csv"])
    run_import(engine, settings, config, [wrong.name])  # latin1: '€' becomes a control character
    assert ("\x802,50",) in query(engine, "SELECT price FROM dest_prices")

    config = _fix_encoding(engine)
    again = run_import(engine, settings, config, [wrong.name])
    assert again.transform is None and again.stages[0].files[0].status == "duplicate"  # still skipped

    reloaded = run_import(engine, settings, config, [wrong.name], reload=True)
    assert reloaded.transform.rows_replaced == {"prices": 2}
    rows = sorted(query(engine, "SELECT item, price FROM dest_prices"))
    assert rows == [("Café crème", "€2,50"), ("Tea", "1"), ("Thé", "€1,90")]
    assert _ledger(engine) == [("LOADED",), ("LOADED",)]


def test_replace_reload_loads_the_file_again(engine, settings, add_config, inbox):
    config = _setup(engine, inbox, add_config, load_method="replace")
    (inbox / "prices_1.csv").write_bytes(WINDOWS)
    run_import(engine, settings, config, ["prices_1.csv"])
    config = _fix_encoding(engine)
    run_import(engine, settings, config, ["prices_1.csv"], reload=True)
    assert sorted(query(engine, "SELECT price FROM dest_prices")) == [("€1,90",), ("€2,50",)]


def test_append_reload_is_refused_without_lineage_in_the_destination(engine, settings, add_config, inbox):
    config = _setup(engine, inbox, add_config, dest="CREATE TABLE dest_prices (item VARCHAR(100), price VARCHAR(50))")
    (inbox / "prices_1.csv").write_bytes(WINDOWS)
    run_import(engine, settings, config, ["prices_1.csv"])
    config = _fix_encoding(engine)
    with pytest.raises(ConfigurationError, match="has no source_file_hash column, so the rows of the earlier load"):
        run_import(engine, settings, config, ["prices_1.csv"], reload=True)
    assert query(engine, "SELECT count(*) FROM dest_prices") == [(2,)]
    assert _ledger(engine) == [("LOADED",)]


def test_rows_loaded_before_the_column_was_filled_are_not_doubled(engine, settings, add_config, inbox):
    config = _setup(engine, inbox, add_config)
    (inbox / "prices_1.csv").write_bytes(WINDOWS)
    run_import(engine, settings, config, ["prices_1.csv"])
    execute(engine, "UPDATE dest_prices SET source_file_hash = NULL")
    config = _fix_encoding(engine)
    with pytest.raises(Exception, match="none carries its source_file_hash"):
        run_import(engine, settings, config, ["prices_1.csv"], reload=True)
    assert query(engine, "SELECT count(*) FROM dest_prices") == [(2,)]
    assert _ledger(engine) == [("LOADED",)]


def test_a_failed_reload_leaves_the_earlier_load_standing(engine, settings, add_config, inbox):
    config = _setup(engine, inbox, add_config, encoding="latin1")
    (inbox / "prices_1.csv").write_bytes(WINDOWS)
    run_import(engine, settings, config, ["prices_1.csv"])
    with engine.begin() as conn:  # a "fix" that is wrong: the file is not UTF-8
        conn.execute(sa.update(elt_pipeline_configs).values(scraper_config=None))
    config = get_pipeline_config(engine, "prices")
    with pytest.raises(SourceFileError, match="not valid utf-8"):
        run_import(engine, settings, config, ["prices_1.csv"], reload=True)
    assert query(engine, "SELECT count(*) FROM dest_prices") == [(2,)]
    assert _ledger(engine) == [("LOADED",)]
    error = query(engine, "SELECT error_message FROM elt_file_ledger")[0][0]
    assert error.startswith("Reload failed:")
    plain = run_import(engine, settings, config, ["prices_1.csv"])
    assert plain.stages[0].files[0].status == "duplicate"


def test_cli_reload(engine, settings, add_config, inbox, monkeypatch):
    _setup(engine, inbox, add_config)
    (inbox / "prices_1.csv").write_bytes(WINDOWS)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ELT_TRANSFORMS_DIR", str(settings.transforms_dir))
    monkeypatch.chdir(inbox)  # a relative --file is taken from the working folder
    runner = CliRunner()
    assert runner.invoke(main, ["run", "prices", "--file", "prices_1.csv"]).exit_code == 0
    _fix_encoding(engine)
    result = runner.invoke(main, ["run", "prices", "--file", "prices_1.csv", "--reload"])
    assert result.exit_code == 0, result.output
    assert "reload: removed 2 rows of the earlier load" in result.output
    result = runner.invoke(main, ["run", "prices", "--reload"])
    assert result.exit_code == 1 and "--reload loads named files again" in result.output
    assert query(engine, "SELECT count(*) FROM dest_prices") == [(2,)]
    assert len(query(engine, "SELECT id FROM elt_file_ledger")) == 1
    assert sa.inspect(engine).has_table(elt_file_ledger.name)
