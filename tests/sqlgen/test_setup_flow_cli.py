"""The documented set-up, by command line: a config row, `elt setup-sql --apply`, `elt run` — first time right."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from elt_project.cli import main
from elt_project.config.repository import get_pipeline_config
from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql
from tests.config_rows import insert_config

HEADERS = "Année,Cost Total $,Municipality Code,Région,Is Active\n"


def _config(engine, folder, **values):
    row = {
        "pipeline_name": "Costs",
        "import_name": "costs",
        "file_pattern": "costs_*.csv",
        "monitored_directory": str(folder),
        "file_type": "csv",
        "staging_table": "stg_costs",
        "destination_table": "dest_costs",
        "load_method": "append",
        "is_active": 1,
    }
    row.update(values)
    insert_config(engine, **row)


def _cli(engine, settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ELT_TRANSFORMS_DIR", str(settings.transforms_dir))
    return CliRunner()


def test_setup_sql_apply_then_run_loads_renamed_headers_the_first_time(engine, settings, tmp_path, monkeypatch):
    folder = tmp_path / "costs"
    folder.mkdir()
    rows = "".join(f"2024,{i}.25,{95000 + i},Île-de-France,{'yes' if i % 2 else 'no'}\n" for i in range(1200))
    (folder / "costs_1.csv").write_text(HEADERS + rows + "2024,3.5,094001,Bretagne,yes\n", encoding="utf-8")
    _config(engine, folder)
    runner = _cli(engine, settings, monkeypatch)
    out = tmp_path / "generated"
    result = runner.invoke(main, ["setup-sql", "Costs", "--out", str(out), "--apply"])
    assert result.exit_code == 0, result.output
    script = (out / f"costs_setup.{engine.dialect.name}.sql").read_text(encoding="utf-8")
    assert "costs: 1,201 sample rows of costs_1.csv" in script
    assert "'094001' (data row 1,201) has a leading zero" in script  # beyond the first 1,000 rows
    assert "annee" in script and "region" in script and "ann_e" not in script
    mapping = get_pipeline_config(engine, "costs").column_mapping
    assert "Année > annee" in mapping and "Cost Total $ > cost_total" in mapping

    result = runner.invoke(main, ["run", "costs"])
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        codes = conn.execute(sa.text("SELECT municipality_code FROM dest_costs")).scalars().all()
        total = conn.execute(sa.text("SELECT count(*) FROM dest_costs")).scalar()
    assert total == 1201 and "094001" in codes and "94001" not in codes


def test_setup_sql_exits_non_zero_and_applies_nothing_when_a_sample_cannot_be_read(
    engine, settings, tmp_path, monkeypatch
):
    folder = tmp_path / "costs"
    folder.mkdir()
    (folder / "costs_1.csv").write_bytes(b"")  # unreadable: empty
    _config(engine, folder)
    runner = _cli(engine, settings, monkeypatch)
    result = runner.invoke(main, ["setup-sql", "Costs", "--out", str(tmp_path / "g"), "--apply"])
    assert result.exit_code == 1
    assert "nothing was applied" in result.output
    assert not sa.inspect(engine).has_table("stg_costs")


@pytest.mark.slow
def test_a_too_wide_file_shows_the_database_message_and_what_to_do(engine, settings, tmp_path):
    folder = tmp_path / "wide"
    folder.mkdir()
    width = 2100  # above SQLite's 2,000 and PostgreSQL's 1,600 columns
    header = ",".join(f"c{i}" for i in range(width))
    (folder / "wide_1.csv").write_text(header + "\n" + ",".join("1" for _ in range(width)) + "\n")
    _config(
        engine,
        folder,
        import_name="wide",
        pipeline_name="Wide",
        file_pattern="wide_*.csv",
        staging_table="stg_wide",
        destination_table="dest_wide",
    )
    setup = generate_setup_sql([get_pipeline_config(engine, "wide")], engine.dialect.name, settings)
    try:
        apply_setup_sql(engine, setup, settings)
    except Exception as exc:  # noqa: BLE001 - the message is what is tested
        message = str(exc)
    else:
        raise AssertionError("a 2,100-column table was accepted")
    assert "the database said" in message
    assert "too many columns" in message.lower() or "at most 1600 columns" in message
    assert "split the file into narrower files" in message
    assert "run the generated file in a SQL client" not in message


def test_setup_mappings_command_writes_the_mapping(engine, settings, tmp_path, monkeypatch):
    folder = tmp_path / "costs"
    folder.mkdir()
    (folder / "costs_1.csv").write_text(HEADERS + "2024,1.5,1,Nord,yes\n", encoding="utf-8")
    _config(engine, folder)
    setup = generate_setup_sql([get_pipeline_config(engine, "costs")], engine.dialect.name, settings)
    setup.mappings.clear()  # as if the tables had been made by hand from the script
    apply_setup_sql(engine, setup, settings)
    assert get_pipeline_config(engine, "costs").column_mapping is None
    runner = _cli(engine, settings, monkeypatch)
    result = runner.invoke(main, ["setup-mappings", "costs"])
    assert result.exit_code == 0, result.output
    assert "Cost Total $ > cost_total" in get_pipeline_config(engine, "costs").column_mapping
    result = runner.invoke(main, ["setup-mappings", "nope"])
    assert result.exit_code == 1 and "No import named 'nope'" in result.output
