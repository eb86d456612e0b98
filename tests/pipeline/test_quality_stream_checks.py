"""Which rules the staged batches settle, value by value: edges, nulls, NaN and what goes back to SQL.

No warehouse is needed: the checks look at Arrow arrays against an in-memory table definition.
tests/pipeline/test_quality_stream.py checks against both warehouses that a settled rule is one
the SQL pass passes too.
"""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

from elt_project.config.models import QualityRule
from elt_project.pipeline.quality_stream import StreamChecks

STAGING = sa.Table(
    "stg_s",
    sa.MetaData(),
    sa.Column("Code", sa.String(20)),
    sa.Column("n", sa.Float),
    sa.Column("i", sa.BigInteger),
    sa.Column("d", sa.Date),
    sa.Column("e", sa.Enum("a", "b", name="e_kind")),
)


def _rule(check: str, column: str | None, expression: str | None = None) -> QualityRule:
    return QualityRule(
        rule_name=f"{check}_{column}", target_table="stg_s", target_column=column, check_type=check,
        check_expression=expression,
    )  # fmt: skip


def _settles(rule: QualityRule, *batches: dict, dialect: str = "postgresql") -> bool:
    """True when the stream settles ``rule`` after seeing ``batches`` (column name -> Arrow array)."""
    checks = StreamChecks([rule], STAGING, dialect)
    for columns in batches:
        checks.observe(pa.record_batch(list(columns.values()), names=list(columns)))
    return checks.passed() == frozenset({0})


def _text(*values):
    return {"Code": pa.array(values, pa.string())}


def _floats(*values):
    return {"n": pa.array(values, pa.float64())}


def test_not_null_settles_only_columns_without_nulls_or_nan():
    rule = _rule("NOT_NULL", "code")  # matched to the column Code whatever the case
    assert _settles(rule, _text("a", "b"))
    assert not _settles(rule, _text("a", None))
    assert not _settles(rule, _text("a"), _text(None))  # a later batch can still fail it
    assert _settles(_rule("NOT_NULL", "n"), _floats(1.0, 2.0))
    assert not _settles(_rule("NOT_NULL", "n"), _floats(1.0, float("nan")))  # SQLite stores NaN as NULL
    assert _settles(_rule("NOT_NULL", "i"), {"i": pa.array([1, 2], pa.int64())})
    assert not _settles(rule, {"n": pa.array([1.0])})  # the batch lacks the column: SQL decides


def test_value_sets_settle_text_inside_the_set_with_nulls_passing():
    rule = _rule("IS_IN_SET", "Code", "'A', 'I'")
    assert _settles(rule, _text("A", None, "I"))
    assert not _settles(rule, _text("A", "a"))
    assert not _settles(rule, {"Code": pa.array([1], pa.int64())})  # values not read as text
    # a number column compares numbers ('01' is 1) even when the file's values arrive as text: SQL decides
    assert not _settles(_rule("IS_IN_SET", "i", "1, 2"), {"i": pa.array(["1"])})
    assert _settles(rule, {"Code": pa.array(["A"], pa.large_string())})
    # an empty set still passes a column without values, as the SQL pass does
    assert _settles(_rule("IS_IN_SET", "Code", ","), _text(None, None))


def test_max_length_settles_up_to_and_including_the_limit():
    rule = _rule("MAX_LENGTH", "Code", "3")
    assert _settles(rule, _text("abc", "é€a", None))
    assert not _settles(rule, _text("abcd"))
    assert _settles(rule, _text(None, None))
    assert not _settles(rule, {"Code": pa.array([1], pa.int64())})
    assert not _settles(_rule("MAX_LENGTH", "i", "3"), {"i": pa.array(["1"])})  # the warehouse renders numbers


def test_patterns_settle_only_when_every_warehouse_reads_them_alike():
    rule = _rule("MATCHES", "Code", "^[A-Z]+$")
    assert _settles(rule, _text("AB", None))
    assert _settles(rule, _text(None))
    assert not _settles(rule, _text("AB", "ab"))
    assert not _settles(rule, {"Code": pa.array([1], pa.int64())})
    for pattern in (r"^\w+$", "^[[:upper:]]+$", "(?i)^a", "[[=a=]]", "[[.a.]]", "", "[A-"):
        assert not _settles(_rule("MATCHES", "Code", pattern), _text("AB")), pattern
    assert not _settles(_rule("MATCHES", "i", "^1"), {"i": pa.array(["1"], pa.string())})  # not a text column
    assert not _settles(_rule("MATCHES", "Code", "***=A"), _text("A"))  # RE2 refuses it: SQL decides
    # no pattern at all: the SQL pass must see the rule to name it, even over a column of nulls
    assert not _settles(_rule("MATCHES", "Code", None), _text(None))


def test_ranges_settle_plain_numbers_within_both_bounds():
    rule = _rule("RANGE", "Code", "0,100")
    assert _settles(rule, _text("0", "100", "12.5", None))
    assert not _settles(rule, _text("-0.5"))
    assert not _settles(rule, _text("100.01"))
    for unusual in ("1e1", " 5", "+5", "5.", "abc"):
        assert not _settles(rule, _text(unusual)), unusual
    assert _settles(rule, _text(None))
    assert _settles(_rule("RANGE", "n", ",10"), _floats(-50.0, 10.0))
    assert not _settles(_rule("RANGE", "n", "5,"), _floats(4.0))
    assert _settles(_rule("RANGE", "n", "5,"), _floats(5.0, 1e9))
    assert not _settles(_rule("RANGE", "n", "0,10"), _floats(1.0, float("nan")))
    assert _settles(_rule("RANGE", "i", "0,10"), {"i": pa.array([0, 10, None], pa.int64())})
    assert not _settles(_rule("RANGE", "n", "0,10"), {"n": pa.array([True])})  # neither text nor number
    assert not _settles(_rule("RANGE", "d", "0,10"), {"d": pa.array(["1"])})  # a date column: SQL decides


def test_not_negative_settles_zero_and_above():
    rule = _rule("NOT_NEGATIVE", "n")
    assert _settles(rule, _floats(0.0, 3.0))
    assert not _settles(rule, _floats(-0.01))
    assert _settles(_rule("NOT_NEGATIVE", "Code"), _text("0", "7"))
    assert not _settles(_rule("NOT_NEGATIVE", "e"), {"e": pa.array(["a"])})  # an enum is not plain text


def test_rules_the_stream_cannot_settle_go_to_sql():
    rows = _text("A")
    for rule in (
        _rule("UNIQUE", "Code"),
        _rule("EXISTS_IN", "Code", "ref.code"),
        _rule("ROW_COUNT_MIN", None, "1"),
        _rule("NOT_NULL", None),
        _rule("NOT_NULL", "missing"),
        _rule("MAX_LENGTH", "Code", "two"),  # malformed: the SQL pass names it
        _rule("RANGE", "Code", "low,high"),
        _rule("MATCHES", "Code", "(unclosed"),
    ):
        assert not _settles(rule, rows), rule.rule_name
    assert not _settles(_rule("NOT_NULL", "Code"), rows, dialect="mssql")
    assert not _settles(_rule("NOT_NULL", "Code"), rows, dialect="oracle")
    assert _settles(_rule("NOT_NULL", "Code"), rows, dialect="sqlite")


def test_rows_are_counted_and_only_failed_rules_leave():
    # a rule the stream does not take (UNIQUE) leaves the rules after it in
    rules = [_rule("UNIQUE", "Code"), _rule("NOT_NULL", "Code"), _rule("MAX_LENGTH", "Code", "1")]
    checks = StreamChecks(rules, STAGING, "sqlite")
    checks.observe(pa.record_batch([pa.array(["A", "B"])], names=["code"]))
    checks.observe(pa.record_batch([pa.array(["CC"])], names=["CODE"]))
    assert (checks.rows, checks.passed()) == (3, frozenset({1}))
    assert checks.rules is rules
