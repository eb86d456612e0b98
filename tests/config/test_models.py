"""Config rows: validation messages name the row and the column; bad rows never hide good ones."""

from __future__ import annotations

import sqlalchemy as sa

from elt_project.config.models import PipelineConfig, slugify
from elt_project.config.repository import load_pipeline_configs, validate_config_rows
from elt_project.db import schema

GOOD = {
    "id": 1,
    "pipeline_name": "Finance Reports",
    "import_name": "fin-budget 2024",
    "file_pattern": "Budget_*.csv",
    "monitored_directory": "C:/data/in",
    "file_type": "CSV",
    "staging_table": "stg_budget",
    "destination_table": "dbo.dest_budget",
    "load_method": "APPEND",
    "deduplication_key": "ID, Date",
    "depends_on": "a,b",
    "is_active": 1,
}


def test_good_row_is_normalised():
    config = PipelineConfig.model_validate(GOOD)
    assert config.file_type == "csv"
    assert config.load_method == "append"
    assert config.deduplication_key == ("ID", "Date")
    assert config.depends_on == ("a", "b")
    assert config.asset_slug == "fin_budget_2024"
    assert config.group_slug == "Finance_Reports"


def test_slugify_keeps_only_dagster_safe_characters():
    assert slugify(" Sales/EU 2024 (daily) ") == "Sales_EU_2024_daily"
    assert slugify("***") == "unnamed"


def _problem(**changes):
    configs, problems = validate_config_rows([{**GOOD, **changes}])
    assert configs == []
    return str(problems[0])


def test_unknown_load_method_names_row_and_column():
    message = _problem(load_method="upsert")
    assert "row id=1" in message and "load_method" in message and "'replace' or 'append'" in message


def test_unknown_file_type_names_the_type():
    assert "file_type 'xml' has no parser" in _problem(file_type="xml")


def test_missing_table_names_the_column():
    assert "staging_table" in _problem(staging_table=None)
    assert "destination_table" in _problem(destination_table="  ")


def test_bad_scraper_config_json_says_where():
    message = _problem(scraper_config='{"read_options": {"skiprows": 3,}}')
    assert "scraper_config" in message and "not valid JSON" in message


def test_custom_parser_must_be_allow_listed():
    assert "not an allowed custom parser" in _problem(parser_function="os.system", file_type="custom")


def test_table_names_cannot_carry_sql():
    assert "not a valid table name" in _problem(staging_table="stg; DROP TABLE x")


def test_duplicate_import_names_keep_the_first():
    configs, problems = validate_config_rows([GOOD, {**GOOD, "id": 2}])
    assert [c.id for c in configs] == [1]
    assert "duplicates another row" in str(problems[0])


def test_repository_skips_bad_rows_and_inactive_rows(engine):
    table = schema.elt_pipeline_configs
    base = {k: v for k, v in GOOD.items() if k not in ("id",)}
    with engine.begin() as conn:
        conn.execute(table.insert().values(**base))
        conn.execute(table.insert().values(**{**base, "import_name": "broken", "file_type": "xml"}))
        conn.execute(table.insert().values(**{**base, "import_name": "off", "is_active": 0}))
    configs, problems = load_pipeline_configs(engine)
    assert [c.import_name for c in configs] == ["fin-budget 2024"]
    assert len(problems) == 1 and "'broken'" in str(problems[0])
    all_configs, _ = load_pipeline_configs(engine, active_only=False)
    assert {c.import_name for c in all_configs} == {"fin-budget 2024", "off"}
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 3


def test_dependency_order_puts_dependencies_first_and_survives_cycles():
    from elt_project.config.ordering import dependency_order

    def config(name, depends_on=None):
        return PipelineConfig.model_validate({**GOOD, "import_name": name, "depends_on": depends_on})

    ordered = dependency_order([config("c", "b"), config("b", "a,unknown"), config("a")])
    assert [c.import_name for c in ordered] == ["a", "b", "c"]
    cyclic = dependency_order([config("x", "y"), config("y", "x")])
    assert sorted(c.import_name for c in cyclic) == ["x", "y"]


def test_a_bad_table_name_names_its_column_once():
    rows = [
        {**GOOD, "id": 2, "import_name": "a", "staging_table": "stg x"},
        {**GOOD, "id": 3, "import_name": "b", "destination_table": "dest;drop"},
        {**GOOD, "id": 4, "import_name": "c", "transform_procedure": "usp load"},
    ]
    _, problems = validate_config_rows(rows)
    messages = [str(p) for p in problems]
    assert messages[0].startswith(
        "elt_pipeline_configs row id=2 ('a'): column staging_table 'stg x' is not a valid table name"
    )
    assert "column destination_table 'dest;drop' is not" in messages[1]
    assert "column transform_procedure 'usp load' is not" in messages[2]
    for message in messages:
        words = message.split()
        assert not any(a == b for a, b in zip(words, words[1:])), message
