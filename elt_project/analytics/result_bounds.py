"""Bounds on the size of what one hub query may return: rows, bytes per value, bytes per answer.

A time limit does not bound memory: one ``SELECT`` building a gigabyte string finishes
well within it and the process receiving it swells. So answers are bounded in bytes,
twice: the database refuses before sending (SQLite's length limit; on PostgreSQL a
running total kept as the rows are produced, see :func:`postgres_guarded`), and the rows
are counted again as they arrive, batch by batch, so nothing past the bound is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from elt_project.errors import EltError

DEFAULT_MAX_VALUE_BYTES = 1_000_000
DEFAULT_MAX_ANSWER_BYTES = 20_000_000
#: Marker of the error the PostgreSQL guard raises, recognised to give the user one sentence.
ANSWER_TOO_LARGE_MARK = "elt-answer-too-large"
_FETCH_BATCH = 100


class AnswerTooLarge(EltError):
    """The answer would be larger than the hub returns."""

    resolution = "Select fewer rows or columns, or shorten long text with substr()."


@dataclass(frozen=True)
class ResultLimits:
    """The bounds of one answer (the byte bounds come from settings HUB_MAX_VALUE_BYTES / HUB_MAX_ANSWER_BYTES)."""

    max_rows: int = 1000
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES


def value_too_large(limits: ResultLimits) -> AnswerTooLarge:
    return AnswerTooLarge(
        f"A value in the answer is larger than {_size(limits.max_value_bytes)}; "
        "select shorter columns (for example with substr())."
    )


def answer_too_large(limits: ResultLimits) -> AnswerTooLarge:
    return AnswerTooLarge(f"The answer is larger than {_size(limits.max_answer_bytes)}; ask for fewer rows or columns.")


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


def _value_bytes(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    return 16


def fetch_bounded(cursor, limits: ResultLimits) -> list[list]:
    """Rows from ``cursor``, at most ``max_rows``, refusing a value or an answer over its byte bound."""
    rows: list[list] = []
    total = 0
    while len(rows) < limits.max_rows:
        batch = cursor.fetchmany(min(_FETCH_BATCH, limits.max_rows - len(rows)))
        if not batch:
            break
        for raw in batch:
            row = list(raw)
            for value in row:
                size = _value_bytes(value)
                if size > limits.max_value_bytes:
                    raise value_too_large(limits)
                total += size
            if total > limits.max_answer_bytes:
                raise answer_too_large(limits)
            rows.append(row)
    return rows


#: Custom setting holding the running byte total of the answer being sent (transaction-local).
POSTGRES_COUNTER = "elt.answer_bytes"


def postgres_guarded(sql: str, limits: ResultLimits) -> tuple[str, bool]:
    """``sql`` wrapped so PostgreSQL stops before sending more than the answer bound; (text, wrapped).

    Each row's size is added to a transaction-local counter (a custom setting the
    caller starts at 0) as the row is produced, and the row that takes the total past
    the bound makes the server fail the statement (the cast of a marked text to
    integer) instead of sending it. The counter streams: no row is held back to
    compute it. The outer LIMIT stops the server after the row bound. Only queries are
    wrapped; anything else is sent as it is, to meet the read-only transaction and the
    reader role.
    """
    text = sql.strip().rstrip(";").strip()
    if not text[:6].lower().startswith(("select", "with", "values", "table", "(")):
        return sql, False
    bound = int(limits.max_answer_bytes)
    total = (
        f"set_config('{POSTGRES_COUNTER}', (current_setting('{POSTGRES_COUNTER}')::bigint "
        "+ pg_column_size(elt_q.*))::text, true)::bigint"
    )
    wrapped = (
        f"SELECT elt_q.* FROM (\n{text}\n) AS elt_q WHERE CASE WHEN {total} > {bound} "
        f"THEN ('{ANSWER_TOO_LARGE_MARK}:' || current_setting('{POSTGRES_COUNTER}'))::integer ELSE 1 END = 1 "
        f"LIMIT {int(limits.max_rows)}"
    )
    return wrapped, True
