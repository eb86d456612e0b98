"""Each quality check evaluated straight on staged rows: counts, samples, boundaries, logs, rejected rows.

The rows are inserted directly (no file is read), so every check and its edge cases run in one
evaluation per warehouse; tests/pipeline/test_quality_dedup.py covers the same rules through a
whole import.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.errors import ConfigurationError
from elt_project.pipeline import quality
from tests.pipeline.conftest import execute, query

STAGING = (
    "CREATE TABLE stg_r (t VARCHAR(40), n NUMERIC(10,2), i BIGINT, dagster_run_id VARCHAR(255), "
    "source_row_number BIGINT)"
)
CONFIG = PipelineConfig(
    pipeline_name="r",
    import_name="r_import",
    file_pattern="r_*.csv",
    file_type="csv",
    staging_table="stg_r",
    destination_table="dest_r",
    load_method="append",
)
RUN, OTHER = "run-1", "run-0"
# t, n, i, source_row_number — this run's rows
# (inserted out of source order, so the rejected rows' order must come from source_row_number)
ROWS = [
    ("A", 5, 1, 1),
    ("toolong", 150, 2, 3),
    ("B", -1, 2, 2),
    (None, None, None, 4),
    ("A", 0, 3, 5),
]
# Another run's rows in the same table, bad in every way: no check may count them.
OTHER_ROWS = [("other-run", -50, 1, 1), ("other-run", 500, 3, 2)]


def _rule(check: str, column: str | None, expression: str | None = None, *, name: str = "", severity: str = "WARN"):
    return QualityRule(
        id=None,
        rule_name=name or f"{check}_{column}".lower(),
        target_table="stg_r",
        target_column=column,
        check_type=check,
        check_expression=expression,
        severity=severity,
    )


def _staged(engine, rows=ROWS, other_rows=OTHER_ROWS) -> sa.Table:
    execute(engine, STAGING, "CREATE TABLE ref_codes (code VARCHAR(5))", "INSERT INTO ref_codes VALUES ('A')")
    staging = sa.Table("stg_r", sa.MetaData(), autoload_with=engine)
    records = [(RUN, r) for r in rows] + [(OTHER, r) for r in other_rows]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(staging),
            [
                {"t": t, "n": n, "i": i, "source_row_number": row, "dagster_run_id": run}
                for run, (t, n, i, row) in records
            ],
        )
    return staging


# rule, failing rows, samples (sorted; None: not compared), message
CASES = [
    (_rule("NOT_NULL", "t"), 1, [None], "1 row(s) fail NOT_NULL on t."),
    (_rule("UNIQUE", "i"), 2, [2], "2 row(s) fail UNIQUE on i."),
    (_rule("IS_IN_SET", "t", "'A', \"B\""), 1, ["toolong"], "1 row(s) fail IS_IN_SET on t."),
    (_rule("IS_IN_SET", "i", "1, 2", name="set_numbers"), 1, [3], "1 row(s) fail IS_IN_SET on i."),
    # an empty set fails every value, and still passes NULL
    (_rule("IS_IN_SET", "t", ",", name="set_empty"), 4, ["A", "B", "toolong"], "4 row(s) fail IS_IN_SET on t."),
    (_rule("NOT_NEGATIVE", "n"), 1, [-1.0], "1 row(s) fail NOT_NEGATIVE on n."),
    (_rule("RANGE", "n", "0,100"), 2, [-1.0, 150.0], "2 row(s) fail RANGE on n."),
    (_rule("RANGE", "n", ",100", name="range_high"), 1, [150.0], "1 row(s) fail RANGE on n."),
    (_rule("RANGE", "n", "0,", name="range_low"), 1, [-1.0], "1 row(s) fail RANGE on n."),
    (_rule("RANGE", "n", "-1,150", name="range_edges"), 0, [], "All rows pass."),
    (_rule("MAX_LENGTH", "t", "2"), 1, ["toolong"], "1 row(s) fail MAX_LENGTH on t."),
    (_rule("MAX_LENGTH", "t", "7", name="length_edge"), 0, [], "All rows pass."),
    (_rule("MATCHES", "t", "^[AB]$"), 1, ["toolong"], "1 row(s) fail MATCHES on t."),
    (_rule("EXISTS_IN", "t", "ref_codes.code"), 2, ["B", "toolong"], "2 row(s) fail EXISTS_IN on t."),
    (_rule("ROW_COUNT_MIN", None, "6"), 1, [5], "5 rows staged; at least 6 required."),
    (_rule("ROW_COUNT_MIN", None, " 5 ", name="count_edge"), 0, [], "5 rows staged; at least 5 required."),
]


def test_every_check_counts_and_samples_only_this_runs_failing_rows(engine):
    staging = _staged(engine)
    rules = [rule for rule, *_ in CASES]
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2].lstrip().lower()))
    outcomes, rejected = quality.evaluate(engine, CONFIG, staging, RUN, rules, record=False)
    assert rejected == 0
    # every rule is counted in the one scan: no rule falls back to a count of its own
    assert [s for s in statements if s.startswith("select count(")] == []
    assert len([s for s in statements if s.startswith("select sum(case")]) == 1
    for (rule, failing, samples, message), outcome in zip(CASES, outcomes, strict=True):
        assert (outcome.rule_name, outcome.check_type, outcome.column) == (
            rule.rule_name,
            rule.check_type,
            rule.target_column,
        )
        assert (outcome.passed, outcome.failing_rows, outcome.message) == (failing == 0, failing, message), rule
        assert sorted(outcome.samples, key=lambda v: (v is not None, str(v))) == samples, rule
        assert outcome.severity == "WARN"
    # record=False only reads: no log, and a FAIL rule's rows are not copied
    outcomes, rejected = quality.evaluate(
        engine, CONFIG, staging, RUN, [_rule("NOT_NULL", "t", severity="FAIL")], record=False
    )
    assert (outcomes[0].failing_rows, rejected) == (1, 0)
    assert query(engine, "SELECT COUNT(*) FROM data_quality_run_logs") == [(0,)]
    assert query(engine, "SELECT COUNT(*) FROM elt_rejected_rows") == [(0,)]


def test_recorded_checks_log_each_rule_and_copy_fail_rows_in_source_order(engine):
    staging = _staged(engine)
    rules = [
        _rule("RANGE", "n", "0,100", name="n_range", severity="FAIL"),
        _rule("IS_IN_SET", "t", "'A'", name="t_set", severity="WARN"),
        _rule("NOT_NULL", "i", name="i_present", severity="FAIL"),
        _rule("MATCHES", "t", "^[A-Za-z]", name="t_letter", severity="FAIL"),
    ]
    outcomes, rejected = quality.evaluate(engine, CONFIG, staging, RUN, rules)
    assert [(o.passed, o.failing_rows) for o in outcomes] == [(False, 2), (False, 2), (False, 1), (True, 0)]
    assert rejected == 3  # FAIL rules only; the WARN rule's rows stay where they are
    logged = query(
        engine,
        "SELECT run_id, import_name, rule_name, target_table, target_column, check_type, severity, status, "
        "failing_row_count, sample_failing_values, message FROM data_quality_run_logs ORDER BY rule_name",
    )
    assert [row[:9] for row in logged] == [
        (RUN, "r_import", "i_present", "stg_r", "i", "NOT_NULL", "FAIL", "FAIL", 1),
        (RUN, "r_import", "n_range", "stg_r", "n", "RANGE", "FAIL", "FAIL", 2),
        (RUN, "r_import", "t_letter", "stg_r", "t", "MATCHES", "FAIL", "PASS", 0),
        (RUN, "r_import", "t_set", "stg_r", "t", "IS_IN_SET", "WARN", "WARN", 2),
    ]
    assert sorted(json.loads(logged[1][9])) == [-1.0, 150.0]
    assert [row[10] for row in logged] == [
        "1 row(s) fail NOT_NULL on i.",
        "2 row(s) fail RANGE on n.",
        "All rows pass.",
        "2 row(s) fail IS_IN_SET on t.",
    ]
    copied = query(
        engine, "SELECT run_id, import_name, rule_name, source_row_number, row_data FROM elt_rejected_rows ORDER BY id"
    )
    assert [row[:4] for row in copied] == [
        (RUN, "r_import", "n_range", 2),
        (RUN, "r_import", "n_range", 3),
        (RUN, "r_import", "i_present", 4),
    ]
    assert json.loads(copied[0][4]) == {
        "t": "B",
        "n": -1.0,
        "i": 2,
        "dagster_run_id": RUN,
        "source_row_number": 2,
    }


def test_passed_rules_are_logged_without_a_scan_and_samples_stop_at_five(engine, monkeypatch):
    rows = [(f"v{k}", k, k, k) for k in (7, 1, 3, 2, 6, 4, 5)]
    staging = _staged(engine, rows=rows, other_rows=[])
    rules = [_rule("NOT_NULL", "t", name="seen_in_stream"), _rule("IS_IN_SET", "t", "'v1'", name="t_set")]
    monkeypatch.setattr(quality, "MAX_REJECTED_ROWS", 2)
    monkeypatch.setattr(quality, "_CHUNK", 1)  # the copy goes in chunks; the total counts every one
    scanned = []
    real_count_all = quality._count_all
    monkeypatch.setattr(quality, "_count_all", lambda *a: scanned.append(len(a[3])) or real_count_all(*a))
    outcomes, rejected = quality.evaluate(engine, CONFIG, staging, RUN, rules, passed=frozenset({0}))
    assert (scanned, rejected) == ([1], 0)
    assert (outcomes[0].passed, outcomes[0].message) == (True, "All rows pass.")
    assert (outcomes[1].failing_rows, len(outcomes[1].samples), len(set(outcomes[1].samples))) == (6, 5, 5)
    logged = query(engine, "SELECT rule_name, status FROM data_quality_run_logs ORDER BY rule_name")
    assert logged == [("seen_in_stream", "PASS"), ("t_set", "WARN")]
    # a FAIL rule copies its failing rows up to the cap, first rows of the file first; the count stays exact
    failing = _rule("IS_IN_SET", "t", "'v1'", name="t_set_fail", severity="FAIL")
    outcomes, rejected = quality.evaluate(engine, CONFIG, staging, RUN, [failing])
    assert (outcomes[0].failing_rows, rejected) == (6, 2)
    assert query(engine, "SELECT source_row_number FROM elt_rejected_rows ORDER BY id") == [(2,), (3,)]
    # every rule already passed: no scan at all
    quality.evaluate(engine, CONFIG, staging, RUN, rules[:1], record=False, passed=frozenset({0}))
    assert scanned == [1, 1]  # the FAIL rule's scan only
    assert quality.evaluate(engine, CONFIG, staging, RUN, []) == ([], 0)


def test_a_pattern_only_python_reads_is_named_on_postgresql_and_counted_on_sqlite(engine):
    """PostgreSQL refuses the named group when the scan runs; the rule is then counted alone and named."""
    staging = _staged(engine)
    rules = [_rule("NOT_NULL", "t"), _rule("MATCHES", "t", "^(?P<letter>[AB])$", name="named_group")]
    if engine.dialect.name == "sqlite":  # Python's re runs the pattern
        outcomes, _ = quality.evaluate(engine, CONFIG, staging, RUN, rules, record=False)
        assert [o.failing_rows for o in outcomes] == [1, 1]
        return
    with pytest.raises(ConfigurationError, match=r"'named_group' could not be evaluated on stg_r\.t; check its"):
        quality.evaluate(engine, CONFIG, staging, RUN, rules, record=False)


MALFORMED = [
    (_rule("NO_SUCH", "t", name="bad_type"), "'bad_type' has check_type 'NO_SUCH', which is not one of EXISTS_IN, "),
    (_rule("NOT_NULL", "zz", name="gone"), r"^Data quality rule 'gone' names column 'zz', which table stg_r"),
    (_rule("NOT_NULL", None, name="no_col"), r"'no_col' \(NOT_NULL\) needs a target_column; fix the rule\."),
    (_rule("MATCHES", "t", None, name="no_re"), r"'no_re' \(MATCHES\) needs a regular expression\."),
    (_rule("MATCHES", "t", "(", name="bad_re"), r"'bad_re' has an invalid regular expression \("),
    (_rule("IS_IN_SET", "t", " ", name="empty_set"), r"'empty_set' \(IS_IN_SET\) needs values like 'A', 'I'\."),
    (_rule("IS_IN_SET", "t", None, name="no_set"), r"'no_set' \(IS_IN_SET\) needs values like 'A', 'I'\."),
    (_rule("IS_IN_SET", "i", "1, x", name="nan_set"), r"'nan_set' lists 'x', which is not a number like column i"),
    (_rule("MAX_LENGTH", "t", "2.5", name="len"), r"'len' \(MAX_LENGTH\) needs a whole number .* not '2\.5'\."),
    (_rule("ROW_COUNT_MIN", None, None, name="rows"), r"'rows' \(ROW_COUNT_MIN\) needs a whole number .*not None"),
    (_rule("RANGE", "n", "5", name="r1"), r"'r1' \(RANGE\) needs check_expression 'min,max', not '5'\."),
    (_rule("RANGE", "n", " , ", name="r2"), r"'r2' \(RANGE\) needs check_expression 'min,max', not ' , '\."),
    (_rule("RANGE", "n", "1,2,3", name="r3"), r"'r3' \(RANGE\)"),
    (_rule("RANGE", "n", "a,2", name="r4"), r"'r4' \(RANGE\)"),
    (_rule("EXISTS_IN", "t", "ref_codes", name="ref"), r"'ref' \(EXISTS_IN\) needs check_expression 'table\.column', "),
    (_rule("EXISTS_IN", "t", "ref_codes.nope", name="ref_col"), r"^Data quality rule 'ref_col' names column 'nope'"),
    (_rule("EXISTS_IN", "t", None, name="ref_none"), r"'ref_none' \(EXISTS_IN\) needs .*'table\.column', not ''\.$"),
    (_rule("EXISTS_IN", "t", "nowhere.code", name="nt"), r"^The reference table of data quality rule 'nt' 'nowhere'"),
]


def test_malformed_rules_are_named_in_one_sentence(engine):
    staging = _staged(engine, other_rows=[])
    for rule, message in MALFORMED:
        with pytest.raises(ConfigurationError, match=message):
            quality.evaluate(engine, CONFIG, staging, RUN, [rule], record=False)
    # a schema-qualified reference: the table name is all but the last part
    with engine.connect() as conn:
        schema = sa.inspect(conn).default_schema_name
    qualified = _rule("EXISTS_IN", "t", f"{schema}.ref_codes.code")
    outcomes, _ = quality.evaluate(engine, CONFIG, staging, RUN, [qualified], record=False)
    assert outcomes[0].failing_rows == 2


def test_value_sets_read_quotes_doubled_quotes_and_bare_words():
    def values(text):
        return quality.parse_value_set(_rule("IS_IN_SET", "t", text))

    assert values("'A', 'I'") == ["A", "I"]
    assert values('\'it\'\'s\', "say ""hi""", bare word ,x') == ["it's", 'say "hi"', "bare word", "x"]
    assert values("'a,b'") == ["a,b"]
    assert values("A,,B") == ["A", "B"]
    assert values("'A") == ["'A"]  # an unclosed quote is read as a bare word


def test_rule_condition_checks_a_whole_table_outside_a_load(engine):
    staging = _staged(engine)
    with engine.connect() as conn:
        unique = quality.rule_condition(conn, staging, _rule("UNIQUE", "i"))
        # across both runs: 1 (twice), 2 (twice), 3 (twice)
        assert conn.execute(sa.select(sa.func.count()).select_from(staging).where(unique)).scalar() == 6
        assert quality.rule_condition(conn, staging, _rule("ROW_COUNT_MIN", None, "1")) is None


def test_rejected_rows_of_a_staging_table_without_row_numbers_are_copied_without_them(engine):
    execute(engine, "CREATE TABLE stg_plain (t VARCHAR(10), d DATE, dagster_run_id VARCHAR(255))")
    execute(engine, "INSERT INTO stg_plain VALUES (NULL, '2026-12-08', 'run-1'), ('x', NULL, 'run-1')")
    execute(engine, "INSERT INTO stg_plain VALUES (NULL, NULL, 'run-0')")
    staging = sa.Table("stg_plain", sa.MetaData(), autoload_with=engine)
    rules = [_rule("NOT_NULL", "t", severity="FAIL"), _rule("MAX_LENGTH", "d", "5").model_copy(update={"id": 42})]
    _, rejected = quality.evaluate(engine, CONFIG, staging, RUN, rules)
    assert rejected == 1
    logged = query(engine, "SELECT rule_id, sample_failing_values FROM data_quality_run_logs ORDER BY rule_name")
    assert logged == [(42, '["2026-12-08"]'), (None, "[null]")]  # a date sample is logged as text
    (copied,) = query(engine, "SELECT source_row_number, row_data FROM elt_rejected_rows")
    assert (copied[0], json.loads(copied[1])) == (None, {"t": None, "d": "2026-12-08", "dagster_run_id": RUN})
