"""What the Data Importer page says about runs, read from real runs on SQLite and PostgreSQL:
a file stopped by a rule is told by the rule and its rows, the last load is not hidden by
later runs that found nothing, and a copy of a loaded file is named as such."""

from __future__ import annotations

import os
import shutil

import pytest

from elt_project.errors import DataQualityFailure
from elt_project.pipeline import explain, run_log
from elt_project.pipeline.api import run_import
from elt_project.pipeline.overview import import_history, run_outcomes
from tests.pipeline.conftest import execute, write_csv

ROWS = [[1, "Ann", "10.50", "A"], [2, "Bob", "-1", "I"], [3, "Cy", "7", "A"], [4, "Di", "-3.5", "A"]]


def _rule(engine, name, column, check, description, severity="FAIL"):
    execute(
        engine,
        "INSERT INTO data_quality_rules (rule_name, description, target_table, target_column, check_type, "
        "severity, is_active) VALUES (:n, :d, 'stg_sales', :c, :k, :s, 1)",
        params={"n": name, "d": description, "c": column, "k": check, "s": severity},
    )


def test_a_file_stopped_by_a_rule_is_told_by_the_rule_and_its_first_rows(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config()
    _rule(engine, "amount_not_negative", "amount", "NOT_NEGATIVE", "An amount is never negative.")
    write_csv(inbox / "sales_1.csv", ROWS)
    with pytest.raises(DataQualityFailure) as failure:
        run_import(engine, settings, config, run_id="run-bad")
    [outcome] = run_outcomes(engine, ["run-bad"])["run-bad"]
    assert outcome.status == "QUALITY_FAILED"
    assert outcome.error_message == (
        "The file was not loaded: 2 rows break the rule “An amount is never negative” "
        "(row 2: amount is -1; row 4: amount is -3.5)."
    )
    assert outcome.resolution_steps == explain.FIX_THE_FILE
    assert "elt_rejected_rows" not in outcome.error_message + outcome.resolution_steps
    assert outcome.warnings == ()  # said once, not again as a warning
    assert str(failure.value) in outcome.technical_message  # the run log's own words, for the details view


def test_one_failing_row_is_one_row_and_a_rule_without_description_uses_its_name(
    settings, sales_tables, add_config, inbox
):
    engine = sales_tables
    config = add_config()
    _rule(engine, "status_known", "status", "IS_IN_SET", None)
    execute(engine, "UPDATE data_quality_rules SET check_expression = :e", params={"e": "'A', 'I'"})
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"], [2, "Bob", "2", "Z"]])
    with pytest.raises(DataQualityFailure):
        run_import(engine, settings, config, run_id="run-one")
    [outcome] = run_outcomes(engine, ["run-one"])["run-one"]
    assert (
        outcome.error_message == "The file was not loaded: 1 row breaks the rule “status_known” (row 2: status is Z)."
    )
    assert "'status_known' (1 row);" in outcome.technical_message  # the administrators' words, in grammar too


def test_a_warning_rule_says_loaded_anyway(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config()
    _rule(engine, "amount_warn", "amount", "NOT_NEGATIVE", "Amounts are usually positive.", severity="WARN")
    write_csv(inbox / "sales_1.csv", ROWS)
    run_import(engine, settings, config, run_id="run-warn")
    [outcome] = run_outcomes(engine, ["run-warn"])["run-warn"]
    assert outcome.status == "SUCCESS" and outcome.error_message is None
    assert outcome.warnings == (
        "Loaded anyway, but 2 rows break the rule “Amounts are usually positive” (amount is -1; amount is -3.5).",
    )


def test_the_last_load_stays_visible_after_runs_that_found_nothing(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(load_method="append")
    write_csv(inbox / "sales_1.csv", ROWS[:3])
    run_import(engine, settings, config, run_id="run-load")
    run_import(engine, settings, config, run_id="run-nothing")  # the folder holds nothing new
    last_load, last_attempt = import_history(engine, ["sales_daily"])["sales_daily"]
    assert (last_load.run_id, last_load.rows_loaded, last_load.file_name) == ("run-load", 3, "sales_1.csv")
    assert (last_attempt.run_id, last_attempt.status) == ("run-nothing", "NO_NEW_FILES")
    assert "other" not in import_history(engine, ["sales_daily", "other"])


def test_a_renamed_copy_of_a_loaded_file_is_named_as_a_copy(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    config = add_config(load_method="append")
    original = write_csv(inbox / "sales_1.csv", ROWS[:3])
    run_import(engine, settings, config, run_id="run-load")
    copy = inbox / "sales_renamed.csv"
    shutil.copyfile(original, copy)

    # Uploaded or named on purpose: the run itself is skipped, and says of which file.
    run_import(engine, settings, config, [copy], run_id="run-copy")
    [outcome] = run_outcomes(engine, ["run-copy"])["run-copy"]
    assert outcome.status == "SKIPPED_DUPLICATE"
    assert outcome.duplicate_of.startswith("Skipped sales_renamed.csv: same content as sales_1.csv, loaded on ")
    assert outcome.duplicate_of.endswith(" UTC (3 rows).")

    # Seen by a folder's sensor, which starts no run: logged all the same, once per sighting.
    stat = os.stat(copy)
    digest = outcome_hash(engine, "run-copy")
    run_id = run_log.record_skipped_copy(engine, config, copy, digest, stat.st_mtime, "sensor")
    assert run_id and run_id.startswith("sensor-")
    _load, attempt = import_history(engine, ["sales_daily"])["sales_daily"]
    assert attempt.run_id == run_id and attempt.duplicate_of.startswith("Skipped sales_renamed.csv: same content as")
    # The loaded file itself, still in its folder, is not a copy of itself.
    if original.exists():
        same = run_log.record_skipped_copy(engine, config, original, digest, os.stat(original).st_mtime, "sensor")
        assert same is None
    assert run_log.record_skipped_copy(engine, config, copy, "0" * 64, stat.st_mtime, "sensor") is None


def outcome_hash(engine, run_id: str) -> str:
    from tests.pipeline.conftest import query

    [(digest,)] = query(engine, "SELECT file_hash FROM etl_pipeline_run_logs WHERE run_id = :r", r=run_id)
    return digest
