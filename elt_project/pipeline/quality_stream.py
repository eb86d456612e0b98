"""Data-quality rules settled on the Arrow batches as they are staged.

The SQL pass of :mod:`.quality` scans the run's staged rows once more after the
load; on a 1M-row file that scan costs as much as a tenth of the load. Most rules
only look at one value of one row (NOT_NULL, IS_IN_SET, NOT_NEGATIVE, RANGE,
MAX_LENGTH, MATCHES), so the batches on their way to the warehouse can already tell
that every row passes them. Those rules are then logged as passed without the scan.

The stream only ever settles "every row passes". Whenever it is not certain that
the database would agree — a value it does not read the way every warehouse does (a
number written ``1e3``, a NaN, a regular expression beyond the syntax PostgreSQL,
SQLite and Arrow share), a value that fails, a rule whose expression is malformed —
the rule goes to the SQL pass as before, which counts, samples and copies the
rejected rows exactly as it always did. Rules over the whole table or other tables
(UNIQUE, EXISTS_IN, ROW_COUNT_MIN) always go there. SQL Server keeps the SQL pass
for every rule (its collations compare text its own way).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.db.dialect_traits import known_traits
from elt_project.db.schema import elt_file_ledger, elt_pipeline_configs
from elt_project.errors import ConfigurationError
from elt_project.pipeline.tables import find_column

#: Numbers every warehouse reads alike and Arrow parses to the same double.
_PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
#: Regular expressions whose meaning is the same in RE2 (Arrow), PostgreSQL and Python:
#: no escapes, classes, flags or look-arounds — literals, ``.``, brackets, repeats, anchors.
_PORTABLE_PATTERN = re.compile(r"^[^\\]*$")
_NOT_PORTABLE = ("[[:", "(?", "[=", "[.")
STREAM_CHECKS = frozenset({"NOT_NULL", "IS_IN_SET", "NOT_NEGATIVE", "RANGE", "MAX_LENGTH", "MATCHES"})

Check = Callable[[pa.Array], bool]


class StreamChecks:
    """Watches the batches staged for one import in one run; tells which rules every row passed."""

    def __init__(self, rules: list[QualityRule], staging: sa.Table, dialect_name: str) -> None:
        self.rules = rules
        self._checks: dict[int, tuple[str, Check]] = {}
        self.rows = 0
        facts = known_traits(dialect_name)
        if facts is None or not facts.text_compares_exactly:
            return
        for index, rule in enumerate(rules):
            column = find_column(staging, rule.target_column or "") if rule.target_column else None
            if rule.check_type not in STREAM_CHECKS or column is None:
                continue
            try:
                check = _check_for(rule, column.type)
            except (ConfigurationError, re.error):
                check = None  # the SQL pass reports the malformed rule in its own words
            if check is not None:
                self._checks[index] = (column.name, check)

    def observe(self, batch: pa.RecordBatch) -> None:
        """Look at one staged batch; a rule any of its rows might fail leaves the stream."""
        self.rows += batch.num_rows
        names = {name.lower(): i for i, name in enumerate(batch.schema.names)}
        for index, (column_name, check) in list(self._checks.items()):
            position = names.get(column_name.lower())
            try:
                passes = position is not None and check(batch.column(position))
            except pa.ArrowException:
                passes = False  # a value Arrow cannot read: the SQL pass decides
            if not passes:
                del self._checks[index]

    def passed(self) -> frozenset[int]:
        """Positions in ``rules`` of the rules every observed row passes."""
        return frozenset(self._checks)


def settled_rules(
    engine: Engine, config: PipelineConfig, run_id: str, staged_hashes: list[str], checks: StreamChecks
) -> frozenset[int]:
    """The rules the stream saw every row pass, when it saw every row the SQL pass would check.

    The SQL pass reads every staging row of the run. Those are the stream's rows unless
    the ledger holds other files of this run for the same staging table: another
    import of the group staging into it, or a file of this import an earlier attempt
    of the run claimed. Then every rule goes to SQL. The ledger answers from a few
    rows, where counting the run's staged rows would cost as much as the scan saved.
    """
    passed = checks.passed()
    if not passed:
        return passed
    ledger, configs = elt_file_ledger, elt_pipeline_configs
    with engine.connect() as conn:
        claimed = conn.execute(
            sa.select(ledger.c.import_name, ledger.c.content_hash).where(ledger.c.run_id == run_id)
        ).all()
        others = {name for name, content in claimed if name != config.import_name or content not in staged_hashes}
        if config.import_name in others:
            return frozenset()
        if others:
            tables = conn.execute(
                sa.select(configs.c.import_name, configs.c.staging_table).where(configs.c.import_name.in_(others))
            ).all()
            known = {name for name, _ in tables}
            if known != others or any(table.lower() == config.staging_table.lower() for _, table in tables):
                return frozenset()
    return passed


def _check_for(rule: QualityRule, column_type: sa.types.TypeEngine) -> Check | None:
    from elt_project.pipeline import quality  # the rule expressions are parsed by the SQL pass's own parsers

    is_text_column = isinstance(column_type, sa.String) and not isinstance(column_type, sa.Enum)
    check = rule.check_type
    if check == "NOT_NULL":
        return _no_nulls
    if check == "IS_IN_SET":
        values = pa.array(quality.parse_value_set(rule), pa.string())
        return _in_set(values) if is_text_column else None
    if check == "MAX_LENGTH":
        limit = quality._integer(rule)
        return _shorter_than(limit) if is_text_column else None
    if check == "MATCHES":
        pattern = rule.check_expression or ""
        if not pattern or not _PORTABLE_PATTERN.match(pattern) or any(s in pattern for s in _NOT_PORTABLE):
            return None
        re.compile(pattern)
        return _matches(pattern) if is_text_column else None
    low, high = (0.0, None) if check == "NOT_NEGATIVE" else quality._range(rule)
    numeric_column = isinstance(column_type, (sa.Integer, sa.Float, sa.Numeric))
    if not (is_text_column or numeric_column):
        return None
    return _within(low, high)


def _is_text(values: pa.Array) -> bool:
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def _no_nulls(values: pa.Array) -> bool:
    if values.null_count:
        return False
    if pa.types.is_floating(values.type):  # SQLite stores NaN as NULL
        return not pc.any(pc.is_nan(values)).as_py()
    return True


def _in_set(allowed: pa.Array) -> Check:
    def check(values: pa.Array) -> bool:
        if not _is_text(values):
            return False
        # nulls pass, as in SQL; is_in alone would count them as outside the set
        outside = pc.invert(pc.is_in(values.drop_null(), value_set=allowed))
        return not pc.any(outside).as_py()

    return check


def _shorter_than(limit: int) -> Check:
    def check(values: pa.Array) -> bool:
        if not _is_text(values):
            return False
        longest = pc.max(pc.utf8_length(values)).as_py()
        return longest is None or longest <= limit

    return check


def _matches(pattern: str) -> Check:
    def check(values: pa.Array) -> bool:
        if not _is_text(values):
            return False
        try:
            matched = pc.match_substring_regex(values, pattern)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False  # a pattern RE2 reads otherwise (PostgreSQL's ``***=`` prefix): the SQL pass decides
        return pc.all(matched).as_py() is not False  # nulls pass; all-null gives None

    return check


def _within(low: float | None, high: float | None) -> Check:
    def check(values: pa.Array) -> bool:
        if _is_text(values):
            present = values.drop_null()
            if pc.all(pc.match_substring_regex(present, _PLAIN_NUMBER)).as_py() is False:
                return False
            numbers = pc.cast(present, pa.float64())
        elif pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
            numbers = pc.cast(values.drop_null(), pa.float64())
            if pc.any(pc.is_nan(numbers)).as_py():
                return False
        else:
            return False
        if len(numbers) == 0:
            return True
        smallest, largest = pc.min_max(numbers).values()
        if low is not None and smallest.as_py() < low:
            return False
        return high is None or largest.as_py() <= high

    return check
