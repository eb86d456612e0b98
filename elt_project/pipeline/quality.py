"""Data-quality rules, evaluated in SQL on one run's staged rows.

Rules that look at one value of one row are first watched on the batches as they
are staged (:mod:`.quality_stream`); those every row passed are logged here as
passed without a scan, and only the others (failures, values the stream cannot read
as the database would, whole-table rules) are counted in SQL.

Each active ``data_quality_rules`` row for the staging table becomes one condition
over ``staging WHERE dagster_run_id = :run``; nothing is pulled into Python except
the counts, up to five sample values and, for FAIL rules, the failing rows copied to
``elt_rejected_rows``. Check expressions are parsed into bound values; column and
table names are resolved against the reflected tables and quoted.

Check types and their ``check_expression``:

=============== =====================================================
NOT_NULL        (none)
UNIQUE          (none) — within this run's rows
IS_IN_SET       ``'A', 'I'`` — quoted or bare values, comma-separated
NOT_NEGATIVE    (none) — non-numbers fail too
RANGE           ``min,max`` — either side may be empty
MAX_LENGTH      ``n``
MATCHES         a regular expression (PostgreSQL ``~``, Python ``re.search`` on SQLite;
                not available on SQL Server)
ROW_COUNT_MIN   ``n`` — the run staged at least n rows
EXISTS_IN       ``table.column`` (or ``schema.table.column``)
=============== =====================================================

NULLs pass every check except NOT_NULL.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.db import dialect_expressions
from elt_project.db.schema import data_quality_run_logs, elt_rejected_rows
from elt_project.errors import ConfigurationError
from elt_project.pipeline.results import QualityOutcome
from elt_project.pipeline.staging import lineage_columns
from elt_project.pipeline.tables import equals, find_column, reflect_table, require_column

SAMPLE_SIZE = 5
#: Failing rows copied to elt_rejected_rows per rule and run; the count is always exact.
MAX_REJECTED_ROWS = 100_000
_CHUNK = 1_000
CHECK_TYPES = frozenset(
    {"NOT_NULL", "UNIQUE", "IS_IN_SET", "NOT_NEGATIVE", "RANGE", "MAX_LENGTH", "MATCHES", "ROW_COUNT_MIN", "EXISTS_IN"}
)


def evaluate(
    engine: Engine | Connection,
    config: PipelineConfig,
    staging: sa.Table,
    run_id: str,
    rules: list[QualityRule],
    *,
    record: bool = True,
    passed: frozenset[int] = frozenset(),
) -> tuple[list[QualityOutcome], int]:
    """Evaluate ``rules``; log each to data_quality_run_logs; returns outcomes and rows rejected.

    Every rule's failing rows are counted in ONE scan of the run's rows (a
    ``SUM(CASE WHEN ...)`` per rule); samples and rejected rows are then read only
    for the rules that failed. ``record=False`` only reads: a second look at an
    earlier run's rows must not log that run's checks or copy its rejected rows twice.
    ``passed`` holds the positions of rules every row was seen to pass while it was
    staged (:mod:`.quality_stream`): they are logged as passed without the scan, and
    the scan is skipped when no rule is left for it.
    """
    outcomes: list[QualityOutcome] = []
    rejected_total = 0
    if not rules:
        return outcomes, 0
    with _transaction(engine) as conn:
        dialect_expressions.prepare_connection(conn)
        in_run = staging.c[lineage_columns(staging)["run"]] == run_id
        checks = {i: _prepare(conn, staging, in_run, rule) for i, rule in enumerate(rules) if i not in passed}
        counts = dict(zip(checks, _count_all(conn, staging, in_run, list(checks.values())))) if checks else {}
        for index, rule in enumerate(rules):
            if index in passed:
                outcome, rejected = _outcome(rule, True, 0, [], "All rows pass."), 0
            else:
                _, column, condition = checks[index]
                outcome, rejected = _finish_rule(
                    conn, config, staging, in_run, run_id, rule, column, condition, counts[index], record=record
                )
            rejected_total += rejected
            outcomes.append(outcome)
            if not record:
                continue
            conn.execute(
                sa.insert(data_quality_run_logs).values(
                    run_id=run_id,
                    import_name=config.import_name,
                    rule_id=rule.id,
                    rule_name=rule.rule_name,
                    target_table=rule.target_table,
                    target_column=rule.target_column,
                    check_type=rule.check_type,
                    severity=rule.severity,
                    status="PASS" if outcome.passed else rule.severity,
                    failing_row_count=outcome.failing_rows,
                    sample_failing_values=json.dumps(outcome.samples, default=str),
                    message=outcome.message,
                )
            )
    return outcomes, rejected_total


@contextlib.contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Connection]:
    """A transaction of its own on an engine; on a connection, the caller's (a direct load logs its rules there)."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.begin() as conn:
        yield conn


def _prepare(conn: Connection, staging: sa.Table, in_run, rule: QualityRule):
    """(rule, column, failing condition) — validated; ROW_COUNT_MIN has no column or condition."""
    check = rule.check_type
    if check not in CHECK_TYPES:
        raise ConfigurationError(
            f"Data quality rule '{rule.rule_name}' has check_type '{rule.check_type}', which is not one of "
            f"{', '.join(sorted(CHECK_TYPES))}; fix the rule."
        )
    if check == "ROW_COUNT_MIN":
        _integer(rule)
        return rule, None, None
    if not rule.target_column:
        raise ConfigurationError(f"Data quality rule '{rule.rule_name}' ({check}) needs a target_column; fix the rule.")
    column = require_column(staging, rule.target_column, context=f"Data quality rule '{rule.rule_name}'")
    return rule, column, _failing_condition(conn, staging, column, rule, in_run)


def rule_condition(conn: Connection, table: sa.Table, rule: QualityRule):
    """The condition a failing row of ``table`` meets under ``rule`` (UNIQUE: across the whole table).

    For checks outside a load (the Data Steward's edited rows); ROW_COUNT_MIN, which
    is about a load's size, gives None.
    """
    dialect_expressions.prepare_connection(conn)
    return _prepare(conn, table, sa.true(), rule)[2]


def _count_all(conn: Connection, staging: sa.Table, in_run, checks) -> list[int]:
    """Failing-row counts of every rule (row count for ROW_COUNT_MIN) in one scan."""
    columns = [
        sa.func.count() if condition is None else sa.func.sum(sa.case((condition, 1), else_=0))
        for _, _, condition in checks
    ]
    try:
        with conn.begin_nested():
            row = conn.execute(sa.select(*columns).select_from(staging).where(in_run)).one()
        return [int(value or 0) for value in row]
    except sa.exc.DBAPIError:
        pass  # a rule does not fit its column, or the dialect refuses the form: count rule by rule
    # SQL Server refuses subqueries (UNIQUE, EXISTS_IN) inside SUM(); one COUNT per rule works everywhere.
    counts = []
    for rule, column, condition in checks:
        where = in_run if condition is None else sa.and_(in_run, condition)
        try:
            with conn.begin_nested():
                counts.append(int(conn.execute(sa.select(sa.func.count()).select_from(staging).where(where)).scalar()))
        except sa.exc.DBAPIError as exc:
            raise ConfigurationError(
                f"Data quality rule '{rule.rule_name}' could not be evaluated on {staging.name}.{column.name}; "
                "check its check_type and check_expression against the column's type."
            ) from exc
    return counts


def _finish_rule(
    conn, config, staging, in_run, run_id, rule: QualityRule, column, condition, count: int, *, record: bool = True
):
    if condition is None:  # ROW_COUNT_MIN: count is the number of staged rows
        minimum = _integer(rule)
        passed = count >= minimum
        message = f"{count} rows staged; at least {minimum} required."
        return _outcome(rule, passed, 0 if passed else 1, [] if passed else [count], message), 0
    failing = sa.and_(in_run, condition)
    samples = []
    if count:
        query = sa.select(column).where(failing).distinct().limit(SAMPLE_SIZE)
        samples = [_plain(row[0]) for row in conn.execute(query)]
    rejected = 0
    if count and rule.severity == "FAIL" and record:
        rejected = _copy_rejected(conn, config, staging, failing, run_id, rule)
    passed = count == 0
    message = "All rows pass." if passed else f"{count} row(s) fail {rule.check_type} on {column.name}."
    return _outcome(rule, passed, count, samples, message), rejected


def _outcome(rule, passed, count, samples, message) -> QualityOutcome:
    return QualityOutcome(
        rule_name=rule.rule_name,
        check_type=rule.check_type,
        severity=rule.severity,
        column=rule.target_column,
        passed=passed,
        failing_rows=count,
        samples=samples,
        message=message,
    )


def _failing_condition(conn: Connection, staging: sa.Table, column: sa.Column, rule: QualityRule, in_run):
    check, dialect = rule.check_type, conn.dialect
    if check == "NOT_NULL":
        return column.is_(None)
    if check == "UNIQUE":
        repeated = sa.select(column).where(in_run, column.is_not(None)).group_by(column).having(sa.func.count() > 1)
        return column.in_(repeated.scalar_subquery())
    present = column.is_not(None)
    if check == "IS_IN_SET":
        values = [_as_column_value(v, column, rule) for v in parse_value_set(rule)]
        return sa.and_(present, column.not_in(values))
    if check == "NOT_NEGATIVE":
        return dialect_expressions.numeric_failure(column, column.type, dialect, lambda number: number < 0)
    if check == "RANGE":
        low, high = _range(rule)

        def outside(number):
            bounds = [number < low] if low is not None else []
            bounds += [number > high] if high is not None else []
            return sa.or_(*bounds)

        return dialect_expressions.numeric_failure(column, column.type, dialect, outside)
    if check == "MAX_LENGTH":
        return sa.func.char_length(sa.cast(column, sa.UnicodeText)) > _integer(rule)
    if check == "MATCHES":
        if not rule.check_expression:
            raise ConfigurationError(f"Data quality rule '{rule.rule_name}' (MATCHES) needs a regular expression.")
        try:
            re.compile(rule.check_expression)
        except re.error as exc:
            raise ConfigurationError(
                f"Data quality rule '{rule.rule_name}' has an invalid regular expression ({exc}); fix it."
            ) from exc
        return sa.and_(
            present, sa.not_(dialect_expressions.regex_match(column, rule.check_expression, dialect, rule.rule_name))
        )
    # EXISTS_IN
    ref_table, ref_column = _reference(conn, rule)
    exists = sa.exists().where(equals(column, column.type, ref_column, ref_column.type)).select_from(ref_table)
    return sa.and_(present, sa.not_(exists))


def parse_value_set(rule: QualityRule) -> list[str]:
    """``'A', 'I'`` → ['A', 'I']; quotes optional, ``''`` inside quotes is one quote."""
    text = (rule.check_expression or "").strip()
    if not text:
        raise ConfigurationError(f"Data quality rule '{rule.rule_name}' (IS_IN_SET) needs values like 'A', 'I'.")
    token = re.compile(r"\s*(?:'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\"|([^,]*?))\s*(?:,|$)")
    values, position = [], 0
    while position < len(text):
        match = token.match(text, position)
        if match is None or match.end() == position:
            raise ConfigurationError(
                f"Data quality rule '{rule.rule_name}' has check_expression {text!r}, which is not a list "
                "like 'A', 'I'; fix it."
            )
        single, double, bare = match.groups()
        if single is not None:
            values.append(single.replace("''", "'"))
        elif double is not None:
            values.append(double.replace('""', '"'))
        elif bare:
            values.append(bare.strip())
        position = match.end()
    return values


def _as_column_value(value: str, column: sa.Column, rule: QualityRule):
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type in (int, float, Decimal):
        try:
            return python_type(value)
        except (ValueError, ArithmeticError):
            raise ConfigurationError(
                f"Data quality rule '{rule.rule_name}' lists {value!r}, which is not a number like column "
                f"{column.name}; fix the rule."
            ) from None
    return value


def _integer(rule: QualityRule) -> int:
    try:
        return int((rule.check_expression or "").strip())
    except ValueError:
        raise ConfigurationError(
            f"Data quality rule '{rule.rule_name}' ({rule.check_type}) needs a whole number as check_expression, "
            f"not {rule.check_expression!r}."
        ) from None


def _range(rule: QualityRule) -> tuple[float | None, float | None]:
    parts = (rule.check_expression or "").split(",")
    try:
        if len(parts) != 2 or not any(p.strip() for p in parts):
            raise ValueError
        low, high = (float(p) if p.strip() else None for p in parts)
    except ValueError:
        raise ConfigurationError(
            f"Data quality rule '{rule.rule_name}' (RANGE) needs check_expression 'min,max', "
            f"not {rule.check_expression!r}."
        ) from None
    return low, high


def _reference(conn: Connection, rule: QualityRule) -> tuple[sa.Table, sa.Column]:
    text = (rule.check_expression or "").strip()
    if "." not in text:
        raise ConfigurationError(
            f"Data quality rule '{rule.rule_name}' (EXISTS_IN) needs check_expression 'table.column', not {text!r}."
        )
    table_name, column_name = text.rsplit(".", 1)
    table = reflect_table(conn, table_name, what=f"reference table of data quality rule '{rule.rule_name}'")
    return table, require_column(table, column_name, context=f"Data quality rule '{rule.rule_name}'")


def _copy_rejected(conn: Connection, config, staging: sa.Table, failing, run_id: str, rule: QualityRule) -> int:
    """Copy failing rows (as JSON) to elt_rejected_rows, in chunks, up to MAX_REJECTED_ROWS."""
    row_column = find_column(staging, lineage_columns(staging)["row"] or "")
    query = sa.select(staging).where(failing).limit(MAX_REJECTED_ROWS)
    if row_column is not None:
        query = query.order_by(row_column)
    written = 0
    result = conn.execute(query)
    while chunk := result.fetchmany(_CHUNK):
        conn.execute(
            sa.insert(elt_rejected_rows),
            [
                {
                    "run_id": run_id,
                    "import_name": config.import_name,
                    "rule_name": rule.rule_name,
                    "source_row_number": row._mapping[row_column.name] if row_column is not None else None,
                    "row_data": json.dumps({k: _plain(v) for k, v in row._mapping.items()}, default=str),
                }
                for row in chunk
            ],
        )
        written += len(chunk)
    return written


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def load_rules(engine: Engine, config: PipelineConfig) -> list[QualityRule]:
    """Active rules for the import's staging table."""
    from elt_project.config.repository import load_quality_rules

    return load_quality_rules(engine, config.staging_table)
