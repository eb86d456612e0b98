"""Quality rules settled on the staged batches: only when the SQL pass would say the same."""

from __future__ import annotations

import pyarrow as pa
import pytest
import sqlalchemy as sa

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.db import dialects
from elt_project.errors import ConfigurationError
from elt_project.pipeline import quality, quality_stream
from elt_project.pipeline.api import new_run_id, run_import, stage_import
from tests.pipeline.conftest import add_rule, execute, query, write_csv

STAGING = "CREATE TABLE stg_q (t VARCHAR(40), n DOUBLE PRECISION, i BIGINT, dagster_run_id VARCHAR(255))"
CONFIG = PipelineConfig(
    pipeline_name="q",
    import_name="q_import",
    file_pattern="q_*.csv",
    file_type="csv",
    staging_table="stg_q",
    destination_table="dest_q",
    load_method="append",
)


def _rule(check: str, column: str, expression: str | None = None, name: str = "") -> QualityRule:
    return QualityRule(
        rule_name=name or f"{check}_{column}".lower(),
        target_table="stg_q",
        target_column=column,
        check_type=check,
        check_expression=expression,
    )


RULES = [
    _rule("NOT_NULL", "t"),
    _rule("NOT_NULL", "n"),
    _rule("IS_IN_SET", "t", "'A', 'I', '10'"),
    _rule("RANGE", "t", "0,100"),
    _rule("RANGE", "n", "0,100"),
    _rule("RANGE", "i", ",5"),
    _rule("NOT_NEGATIVE", "t"),
    _rule("MAX_LENGTH", "t", "2"),
    _rule("MATCHES", "t", "^[A-Z0-9]+$"),
    # escapes mean different things in RE2 and PostgreSQL: always SQL
    _rule("MATCHES", "t", r"^\w+$", name="matches_escaped"),
    _rule("IS_IN_SET", "i", "1, 2", name="is_in_set_numbers"),  # numbers compared as numbers: SQL
]

#: Text columns holding what the stream reads like the databases, and what it does not.
CASES = {
    "all plain": (["A", "I", "10"], [1.0, 2.5, 100.0], [1, 2, 5]),
    "nulls": ([None, "A", None], [None, 1.0, 2.0], [None, 1, 2]),
    "exponent": (["1e1", "A", "I"], [1.0, 2.0, 3.0], [1, 2, 3]),
    "spaces": ([" 5", "A", "I"], [1.0, 2.0, 3.0], [1, 2, 3]),
    "negative": (["-1", "A", "I"], [-1.0, 2.0, 3.0], [1, 2, 6]),
    "lower case": (["a", "A", "I"], [1.0, 2.0, 3.0], [1, 2, 3]),
    "out of range": (["101", "A", "I"], [100.5, 2.0, 3.0], [1, 2, 3]),
    "NaN": (["A", "A", "I"], [float("nan"), 2.0, 3.0], [1, 2, 3]),
    "empty text": (["", "A", "I"], [1.0, 2.0, 3.0], [1, 2, 3]),
}


def _staged(engine, run_id: str, texts, numbers, integers) -> tuple[sa.Table, quality_stream.StreamChecks]:
    execute(engine, STAGING)
    staging = sa.Table("stg_q", sa.MetaData(), autoload_with=engine)
    checks = quality_stream.StreamChecks(RULES, staging, engine.dialect.name)
    batch = pa.record_batch(
        [
            pa.array(texts, pa.string()),
            pa.array(numbers, pa.float64()),
            pa.array(integers, pa.int64()),
            pa.array([run_id] * len(texts), pa.string()),
        ],
        names=["t", "n", "i", "dagster_run_id"],
    )
    checks.observe(batch)
    dialects.bulk_load(engine, staging, iter([batch]))
    return staging, checks


def _sql_outcomes(engine, staging, run_id):
    outcomes, _ = quality.evaluate(engine, CONFIG, staging, run_id, RULES, record=False)
    return outcomes


@pytest.mark.parametrize("case", list(CASES))
def test_a_rule_settled_in_the_stream_is_one_the_sql_pass_passes(engine, case):
    run_id = new_run_id()
    staging, checks = _staged(engine, run_id, *CASES[case])
    settled = checks.passed()
    by_sql = _sql_outcomes(engine, staging, run_id)
    for index in settled:
        assert by_sql[index].passed, (case, RULES[index].rule_name)
    with_stream, _ = quality.evaluate(engine, CONFIG, staging, run_id, RULES, record=False, passed=settled)
    assert [(o.passed, o.failing_rows, o.message) for o in with_stream] == [
        (o.passed, o.failing_rows, o.message) for o in by_sql
    ]


def test_plain_values_settle_every_row_rule_and_escapes_never_do(engine):
    run_id = new_run_id()
    staging, checks = _staged(engine, run_id, *CASES["all plain"])
    settled = checks.passed()
    names = {RULES[i].rule_name for i in settled}
    # t holds letters, which RANGE and NOT_NEGATIVE count as failures: those go to SQL
    assert names == {"not_null_t", "not_null_n", "is_in_set_t", "range_n", "range_i", "max_length_t", "matches_t"}


def test_rows_another_import_staged_in_the_run_send_every_rule_to_sql(settings, sales_tables, add_config, inbox):
    """Two imports of a group share a staging table: the second one's SQL pass sees the first one's rows."""
    engine = sales_tables
    add_rule(engine, "status_in_set", "status", "IS_IN_SET", "'A', 'I'", severity="WARN")
    first = add_config()
    other_inbox = inbox.parent / "other"
    second = add_config(import_name="sales_other", monitored_directory=str(other_inbox))
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "10", "X"]])
    write_csv(other_inbox / "sales_2.csv", [[2, "Bob", "20", "A"]])
    run_id = new_run_id()
    assert not stage_import(engine, settings, first, run_id=run_id).quality[0].passed
    (outcome,) = stage_import(engine, settings, second, run_id=run_id).quality
    assert (outcome.passed, outcome.failing_rows, outcome.samples) == (False, 1, ["X"])


def test_a_file_claimed_earlier_in_the_run_sends_every_rule_to_sql(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    add_rule(engine, "status_in_set", "status", "IS_IN_SET", "'A', 'I'")
    config = add_config()
    run_id = new_run_id()
    checks = quality_stream.StreamChecks(quality.load_rules(engine, config), _sales_staging(engine), "postgresql")
    checks.observe(pa.record_batch([pa.array(["A"])], names=["status"]))
    assert quality_stream.settled_rules(engine, config, run_id, ["h1"], checks) == frozenset({0})
    execute(
        engine,
        "INSERT INTO elt_file_ledger (import_name, content_hash, file_path, file_size, file_mtime, status, run_id) "
        "VALUES ('sales_daily', 'h0', 'sales_0.csv', 1, 0, 'STAGED', :r), "
        "('sales_daily', 'h1', 'sales_1.csv', 1, 0, 'STAGED', :r)",
        params={"r": run_id},
    )
    assert quality_stream.settled_rules(engine, config, run_id, ["h1"], checks) == frozenset()
    assert quality_stream.settled_rules(engine, config, run_id, ["h0", "h1"], checks) == frozenset({0})


def test_files_of_the_run_staged_into_other_tables_leave_the_stream_settled(sales_tables, add_config, inbox):
    """Only another import staging into the SAME table adds rows the stream did not see."""
    engine = sales_tables
    add_rule(engine, "status_in_set", "status", "IS_IN_SET", "'A', 'I'")
    config = add_config()
    add_config(import_name="elsewhere", staging_table="stg_other", monitored_directory=str(inbox.parent / "o"))
    run_id = new_run_id()
    checks = quality_stream.StreamChecks(quality.load_rules(engine, config), _sales_staging(engine), "postgresql")
    checks.observe(pa.record_batch([pa.array(["A"])], names=["status"]))
    execute(
        engine,
        "INSERT INTO elt_file_ledger (import_name, content_hash, file_path, file_size, file_mtime, status, run_id) "
        "VALUES ('sales_daily', 'h1', 'sales_1.csv', 1, 0, 'STAGED', :r), "
        "('elsewhere', 'h9', 'other_1.csv', 1, 0, 'STAGED', :r)",
        params={"r": run_id},
    )
    assert quality_stream.settled_rules(engine, config, run_id, ["h1"], checks) == frozenset({0})
    # a ledger row of an import no config names any more: the stream cannot tell where it staged
    execute(
        engine,
        "INSERT INTO elt_file_ledger (import_name, content_hash, file_path, file_size, file_mtime, status, run_id) "
        "VALUES ('gone', 'h8', 'gone_1.csv', 1, 0, 'STAGED', :r)",
        params={"r": run_id},
    )
    assert quality_stream.settled_rules(engine, config, run_id, ["h1"], checks) == frozenset()


def _sales_staging(engine) -> sa.Table:
    return sa.Table("stg_sales", sa.MetaData(), autoload_with=engine)


def test_sql_server_keeps_the_sql_pass_for_every_rule(engine):
    execute(engine, STAGING)
    staging = sa.Table("stg_q", sa.MetaData(), autoload_with=engine)
    checks = quality_stream.StreamChecks(RULES, staging, "mssql")
    checks.observe(pa.record_batch([pa.array(["A"])], names=["t"]))
    assert checks.passed() == frozenset()


def test_an_import_whose_rules_pass_in_the_stream_skips_the_scan_and_logs_the_same(
    settings, sales_tables, add_config, inbox, monkeypatch
):
    engine = sales_tables
    add_rule(engine, "status_in_set", "status", "IS_IN_SET", "'A', 'I'")
    add_rule(engine, "amount_range", "amount", "RANGE", "0,100", severity="WARN")
    add_rule(engine, "id_unique", "order_id", "UNIQUE")  # whole run: always in SQL
    config = add_config()
    scanned = []
    real_count_all = quality._count_all
    monkeypatch.setattr(quality, "_count_all", lambda *a: scanned.append(len(a[3])) or real_count_all(*a))
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "10", "A"], [2, "Bob", "20.5", "I"]])
    summary = run_import(engine, settings, config)
    assert scanned == [1]  # only UNIQUE was counted in SQL
    assert [(q.rule_name, q.passed, q.message) for q in summary.stages[0].quality] == [
        ("status_in_set", True, "All rows pass."),
        ("amount_range", True, "All rows pass."),
        ("id_unique", True, "All rows pass."),
    ]
    logged = query(
        engine, "SELECT rule_name, status, failing_row_count, sample_failing_values FROM data_quality_run_logs"
    )
    assert sorted(logged) == [
        ("amount_range", "PASS", 0, "[]"),
        ("id_unique", "PASS", 0, "[]"),
        ("status_in_set", "PASS", 0, "[]"),
    ]
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(2,)]


def test_a_malformed_rule_is_left_to_the_sql_pass_which_names_it(engine):
    run_id = new_run_id()
    staging, _ = _staged(engine, run_id, *CASES["all plain"])
    broken = [_rule("MATCHES", "t", "[A-Z"), _rule("RANGE", "t", "low,high")]
    checks = quality_stream.StreamChecks(broken, staging, engine.dialect.name)
    assert checks.passed() == frozenset()
    with pytest.raises(ConfigurationError, match="invalid regular expression"):
        quality.evaluate(engine, CONFIG, staging, run_id, broken, record=False, passed=checks.passed())
