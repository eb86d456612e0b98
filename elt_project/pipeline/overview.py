"""What the Data Importer page tells a person about imports and runs, read from the run logs.

Everything here is plain reading of ``elt_pipeline_configs``, ``etl_pipeline_run_logs``
and ``data_quality_run_logs``, turned into short sentences: a person sees "Loaded",
"3 rows broke rule X", the run log's ``error_message`` and ``resolution_steps`` —
never a stack trace (the run log never holds one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.config.repository import load_pipeline_configs
from elt_project.db import schema

#: Run-log statuses in plain words.
STATUS_WORDS = {
    "STARTED": "Running",
    "STAGED": "Staged, moving into the destination",
    "SUCCESS": "Loaded",
    "FAILED": "Failed",
    "QUALITY_FAILED": "Stopped by a data-quality rule",
    "SKIPPED_DUPLICATE": "Skipped: this file was already loaded",
    "NO_NEW_FILES": "No new files to load",
}
_CHUNK = 500
#: An absolute path (POSIX or Windows) inside a message; only its last part is shown.
_ABSOLUTE_PATH = re.compile(r"""(?<![\w:/])(?:[A-Za-z]:[\\/]|/)(?:[^\s'"`<>]+[\\/])+([^\s'"`<>\\/]+)""")


def without_server_paths(text: str | None) -> str | None:
    """``text`` with every absolute path cut down to its file name: people need the name, not the server."""
    if not text:
        return text
    return _ABSOLUTE_PATH.sub(lambda m: m.group(1), text)


@dataclass(frozen=True)
class ImportOutcome:
    """One import's part of one run, from its run-log row."""

    import_name: str
    run_id: str
    status: str
    status_words: str
    when: datetime | None
    rows_loaded: int | None
    error_message: str | None = None
    resolution_steps: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportEntry:
    """One import as the page lists it."""

    config: PipelineConfig
    last_run: ImportOutcome | None = None

    @property
    def import_name(self) -> str:
        return self.config.import_name


@dataclass
class PipelineGroup:
    pipeline_name: str
    imports: list[ImportEntry] = field(default_factory=list)


def permitted_configs(engine: Engine, pipelines: set[str]) -> list[PipelineConfig]:
    """Active, valid configs of the given pipeline groups, in id order."""
    configs, _problems = load_pipeline_configs(engine)
    return [c for c in configs if c.pipeline_name in pipelines]


def import_groups(engine: Engine, pipelines: set[str]) -> list[PipelineGroup]:
    """The permitted imports grouped by ``pipeline_name`` (groups by name), each with its last run."""
    configs = permitted_configs(engine, pipelines)
    last = last_outcomes(engine, [c.import_name for c in configs])
    groups: dict[str, PipelineGroup] = {}
    for config in configs:
        group = groups.setdefault(config.pipeline_name, PipelineGroup(config.pipeline_name))
        group.imports.append(ImportEntry(config, last.get(config.import_name)))
    return [groups[name] for name in sorted(groups, key=str.casefold)]


def last_outcomes(engine: Engine, import_names: list[str]) -> dict[str, ImportOutcome]:
    """The newest run-log row of each import that did some work.

    A "skipped: already loaded" row is passed over while an earlier row exists: a
    file uploaded on the page is loaded by the page's run, and the folder's sensor
    may then start a run that finds it loaded — that says nothing new.
    """
    logs = schema.etl_pipeline_run_logs
    newest: dict[str, int] = {}
    with engine.connect() as conn:
        for chunk in _chunks(import_names):
            for only_work in (True, False):
                query = sa.select(logs.c.import_name, sa.func.max(logs.c.id)).where(logs.c.import_name.in_(chunk))
                if only_work:
                    query = query.where(logs.c.status != "SKIPPED_DUPLICATE")
                for name, log_id in conn.execute(query.group_by(logs.c.import_name)).all():
                    newest.setdefault(name, log_id)
    outcomes = _outcomes(engine, logs.c.id, list(newest.values()))
    return {o.import_name: o for o in outcomes}


def run_outcomes(engine: Engine, run_ids: list[str]) -> dict[str, list[ImportOutcome]]:
    """Per run id, the outcome of each import the run touched (in run-log order)."""
    logs = schema.etl_pipeline_run_logs
    by_run: dict[str, list[ImportOutcome]] = {}
    for outcome in _outcomes(engine, logs.c.run_id, run_ids):
        by_run.setdefault(outcome.run_id, []).append(outcome)
    return by_run


def _outcomes(engine: Engine, column: sa.Column, values: Iterable) -> list[ImportOutcome]:
    logs = schema.etl_pipeline_run_logs
    rows = []
    with engine.connect() as conn:
        for chunk in _chunks(list(values)):
            rows += conn.execute(
                sa.select(
                    logs.c.id,
                    logs.c.run_id,
                    logs.c.import_name,
                    logs.c.status,
                    logs.c.start_time,
                    logs.c.end_time,
                    logs.c.rows_loaded,
                    logs.c.error_message,
                    logs.c.resolution_steps,
                )
                .where(column.in_(chunk))
                .order_by(logs.c.id)
            ).all()
    warnings = quality_warnings(engine, sorted({row.run_id for row in rows}))
    return [
        ImportOutcome(
            import_name=row.import_name,
            run_id=row.run_id,
            status=row.status,
            status_words=STATUS_WORDS.get(row.status, row.status.replace("_", " ").capitalize()),
            when=row.end_time or row.start_time,
            rows_loaded=row.rows_loaded,
            error_message=without_server_paths(row.error_message),
            resolution_steps=without_server_paths(row.resolution_steps) if row.error_message else None,
            warnings=tuple(warnings.get((row.run_id, row.import_name), ())),
        )
        for row in rows
    ]


def quality_warnings(engine: Engine, run_ids: list[str]) -> dict[tuple[str, str], list[str]]:
    """Plain sentences for the rules that did not pass, per (run id, import)."""
    dq = schema.data_quality_run_logs
    found: dict[tuple[str, str], list[str]] = {}
    with engine.connect() as conn:
        for chunk in _chunks(run_ids):
            rows = conn.execute(
                sa.select(dq.c.run_id, dq.c.import_name, dq.c.rule_name, dq.c.status, dq.c.failing_row_count)
                .where(dq.c.run_id.in_(chunk), dq.c.status != "PASS")
                .order_by(dq.c.id)
            ).all()
            for row in rows:
                count = int(row.failing_row_count or 0)
                rows_word = "row" if count == 1 else "rows"
                effect = "the load was stopped" if row.status == "FAIL" else "loaded anyway"
                found.setdefault((row.run_id, row.import_name), []).append(
                    f"{count} {rows_word} did not pass the check '{row.rule_name}' ({effect})."
                )
    return found


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
