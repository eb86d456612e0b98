"""Why a load did not happen, in the words of the person who dropped the file.

The run log speaks to administrators ("failing rows are in elt_rejected_rows").
The person who uploaded the file needs three things instead: the rule as its
author described it, the first rows that broke it with their values ("row 4:
quantity is -1"), and what to do next on the page. This module reads those from
``data_quality_run_logs``, ``data_quality_rules`` and ``elt_rejected_rows``; and,
for a file skipped as a copy, which earlier file it repeats (from the ledger).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db import schema
from elt_project.pipeline.ledger import LoadedFile, loaded_copy_of

#: Failing rows named per rule; the count says how many there were in all.
EXAMPLES_PER_RULE = 3
#: What a person can do on the page after a file broke a rule.
FIX_THE_FILE = "Nothing from the file was loaded: correct those rows and upload the file again."
_CHUNK = 500
_MAX_VALUE = 60


def rows(count: int) -> str:
    """``1 row``, ``2 rows``, ``1,250 rows``."""
    return f"{count:,} row{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class RuleFailure:
    """One rule that one import's rows broke in one run."""

    rule_name: str
    description: str
    severity: str
    failing_rows: int
    examples: tuple[str, ...] = field(default_factory=tuple)

    def sentence(self) -> str:
        """``2 rows break the rule “An order line never has a negative quantity” (row 4: quantity is -1; …).``"""
        verb = "breaks" if self.failing_rows == 1 else "break"
        text = f"{rows(self.failing_rows)} {verb} the rule “{self.description.rstrip('.')}”"
        if self.examples:
            more = "; …" if self.failing_rows > len(self.examples) else ""
            text += f" ({'; '.join(self.examples)}{more})"
        return text + "."


def rule_failures(engine: Engine, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[RuleFailure]]:
    """Per (run id, import name): the rules that did not pass, FAIL and WARN, in the order checked."""
    wanted = set(keys)
    run_ids = sorted({run_id for run_id, _ in wanted})
    dq, rules = schema.data_quality_run_logs, schema.data_quality_rules
    found: dict[tuple[str, str], list[RuleFailure]] = {}
    with engine.connect() as conn:
        for start in range(0, len(run_ids), _CHUNK):
            chunk = run_ids[start : start + _CHUNK]
            query = (
                sa.select(
                    dq.c.run_id,
                    dq.c.import_name,
                    dq.c.rule_name,
                    dq.c.status,
                    dq.c.failing_row_count,
                    dq.c.target_column,
                    dq.c.sample_failing_values,
                    rules.c.description,
                )
                .select_from(dq.outerjoin(rules, rules.c.rule_name == dq.c.rule_name))
                .where(dq.c.run_id.in_(chunk), dq.c.status != "PASS")
                .order_by(dq.c.id)
            )
            for row in conn.execute(query).all():
                key = (row.run_id, row.import_name)
                if key not in wanted:
                    continue
                examples = _examples(conn, row.run_id, row.import_name, row.rule_name, row.target_column)
                if not examples and row.target_column:  # WARN rules keep no rows, only sample values
                    examples = _sample_examples(row.sample_failing_values, row.target_column)
                found.setdefault(key, []).append(
                    RuleFailure(
                        rule_name=row.rule_name,
                        description=(row.description or "").strip() or row.rule_name,
                        severity=row.status,
                        failing_rows=int(row.failing_row_count or 0),
                        examples=examples,
                    )
                )
    return found


def _examples(conn, run_id: str, import_name: str, rule_name: str, column: str | None) -> tuple[str, ...]:
    """``row 4: quantity is -1`` for the first failing rows (rows counted from the first line under the header)."""
    rejected = schema.elt_rejected_rows
    picked = conn.execute(
        sa.select(rejected.c.source_row_number, rejected.c.row_data)
        .where(rejected.c.run_id == run_id, rejected.c.import_name == import_name, rejected.c.rule_name == rule_name)
        .order_by(rejected.c.source_row_number, rejected.c.id)
        .limit(EXAMPLES_PER_RULE)
    ).all()
    examples = []
    for number, data in picked:
        where = f"row {number}" if number is not None else "a row"
        if not column:
            examples.append(where)
            continue
        try:
            value = json.loads(data or "{}").get(column)
        except (ValueError, AttributeError):
            value = None
        examples.append(f"{where}: {column} is {_shown(value)}")
    return tuple(examples)


def _sample_examples(samples: str | None, column: str) -> tuple[str, ...]:
    """``amount is -1`` from the values the check kept as samples (no row numbers)."""
    try:
        values = json.loads(samples or "[]")
    except ValueError:
        return ()
    if not isinstance(values, list):
        return ()
    return tuple(f"{column} is {_shown(value)}" for value in values[:EXAMPLES_PER_RULE])


def _shown(value) -> str:
    if value is None or value == "":
        return "empty"
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def quality_failure_message(failures: list[RuleFailure]) -> str:
    """The sentence shown for a load stopped by rules: each blocking rule, with its first rows."""
    blocking = [f for f in failures if f.severity == "FAIL"] or failures
    return "The file was not loaded: " + " ".join(f.sentence() for f in blocking)


def warning_message(failure: RuleFailure) -> str:
    """A WARN rule: loaded anyway, but worth a look."""
    return f"Loaded anyway, but {failure.sentence()[0].lower()}{failure.sentence()[1:]}"


def duplicate_message(file_name: str | None, original: LoadedFile | None) -> str | None:
    """``Skipped b.csv: same content as a.csv, loaded on 2026-12-07 14:02 UTC (5 rows).``"""
    if original is None:
        return None
    when = f", loaded on {original.loaded_at:%Y-%m-%d %H:%M} UTC" if isinstance(original.loaded_at, datetime) else ""
    count = f" ({rows(original.rows_loaded)})" if original.rows_loaded is not None else ""
    subject = f"Skipped {file_name}" if file_name else "Skipped"
    return f"{subject}: same content as {original.file_name}{when}{count}."


def duplicate_messages(engine: Engine, wanted: Iterable[tuple[str, str, str | None]]) -> dict[tuple[str, str], str]:
    """Per (import, content hash): the sentence for a copy named ``file_name`` of a loaded file."""
    found: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        for import_name, content_hash, file_name in wanted:
            message = duplicate_message(file_name, loaded_copy_of(conn, import_name, content_hash))
            if message:
                found[(import_name, content_hash)] = message
    return found
