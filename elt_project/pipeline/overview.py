"""What the Data Importer page tells a person about imports and runs, read from the run logs.

Everything here is plain reading of ``elt_pipeline_configs``, ``etl_pipeline_run_logs``
and the quality logs, turned into short sentences: a person sees "Loaded", the rule a
file broke with its first failing rows (:mod:`.explain`), which loaded file a skipped
copy repeats, the run log's ``error_message`` — never a stack trace (the run log never
holds one).
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
from elt_project.pipeline import explain

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
    #: The file(s) the run looked at, by name.
    file_name: str | None = None
    #: For a file skipped as a copy: which loaded file it repeats, as a sentence.
    duplicate_of: str | None = None
    #: The run log's own words (for administrators), shown only in a run's details.
    technical_message: str | None = None
    log_id: int = 0


@dataclass(frozen=True)
class ImportEntry:
    """One import as the page lists it: the last load that brought rows, and the last attempt.

    They differ when later runs found nothing new (or a copy of a loaded file): the
    page shows both, so "No new files to load" never hides the load before it.
    """

    config: PipelineConfig
    last_load: ImportOutcome | None = None
    last_attempt: ImportOutcome | None = None

    @property
    def import_name(self) -> str:
        return self.config.import_name

    @property
    def last_run(self) -> ImportOutcome | None:
        return self.last_attempt

    @property
    def attempt_after_load(self) -> ImportOutcome | None:
        """The last attempt when it is not the last load itself (else None)."""
        if self.last_attempt is None or (self.last_load and self.last_load.log_id == self.last_attempt.log_id):
            return None
        return self.last_attempt


@dataclass
class PipelineGroup:
    pipeline_name: str
    imports: list[ImportEntry] = field(default_factory=list)


def permitted_configs(engine: Engine, pipelines: set[str]) -> list[PipelineConfig]:
    """Active, valid configs of the given pipeline groups, in id order."""
    configs, _problems = load_pipeline_configs(engine)
    return [c for c in configs if c.pipeline_name in pipelines]


def import_groups(engine: Engine, pipelines: set[str]) -> list[PipelineGroup]:
    """The permitted imports grouped by ``pipeline_name`` (groups by name), each with its history."""
    configs = permitted_configs(engine, pipelines)
    history = import_history(engine, [c.import_name for c in configs])
    groups: dict[str, PipelineGroup] = {}
    for config in configs:
        group = groups.setdefault(config.pipeline_name, PipelineGroup(config.pipeline_name))
        last_load, last_attempt = history.get(config.import_name, (None, None))
        group.imports.append(ImportEntry(config, last_load, last_attempt))
    return [groups[name] for name in sorted(groups, key=str.casefold)]


def import_history(
    engine: Engine, import_names: list[str]
) -> dict[str, tuple[ImportOutcome | None, ImportOutcome | None]]:
    """Per import: (the newest run that loaded rows, the newest run-log row of any kind)."""
    logs = schema.etl_pipeline_run_logs
    newest_load: dict[str, int] = {}
    newest: dict[str, int] = {}
    with engine.connect() as conn:
        for chunk in _chunks(import_names):
            base = sa.select(logs.c.import_name, sa.func.max(logs.c.id)).where(logs.c.import_name.in_(chunk))
            loads = base.where(logs.c.status == "SUCCESS", logs.c.rows_loaded > 0)
            newest.update(conn.execute(base.group_by(logs.c.import_name)).all())
            newest_load.update(conn.execute(loads.group_by(logs.c.import_name)).all())
    by_id = {o.log_id: o for o in _outcomes(engine, logs.c.id, sorted({*newest.values(), *newest_load.values()}))}
    return {name: (by_id.get(newest_load.get(name, -1)), by_id.get(log_id)) for name, log_id in newest.items()}


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
                    logs.c.file_name,
                    logs.c.file_hash,
                    logs.c.error_message,
                    logs.c.resolution_steps,
                )
                .where(column.in_(chunk))
                .order_by(logs.c.id)
            ).all()
    failures = explain.rule_failures(engine, {(row.run_id, row.import_name) for row in rows})
    copies = explain.duplicate_messages(
        engine,
        {(r.import_name, r.file_hash, r.file_name) for r in rows if r.status == "SKIPPED_DUPLICATE" and r.file_hash},
    )
    return [_outcome(row, failures.get((row.run_id, row.import_name), []), copies) for row in rows]


def _outcome(row, failures: list[explain.RuleFailure], copies: dict[tuple[str, str], str]) -> ImportOutcome:
    """One run-log row in the page's words; a load stopped by rules is told by the rules themselves."""
    technical = without_server_paths(
        " ".join(filter(None, [row.error_message, row.resolution_steps if row.error_message else None]))
    )
    error, resolution = without_server_paths(row.error_message), None
    if row.error_message:
        resolution = without_server_paths(row.resolution_steps)
    if row.status == "QUALITY_FAILED" and failures:
        error, resolution = explain.quality_failure_message(failures), explain.FIX_THE_FILE
    warnings = [explain.warning_message(f) for f in failures if f.severity == "WARN"]
    return ImportOutcome(
        import_name=row.import_name,
        run_id=row.run_id,
        status=row.status,
        status_words=STATUS_WORDS.get(row.status, row.status.replace("_", " ").capitalize()),
        when=row.end_time or row.start_time,
        rows_loaded=row.rows_loaded,
        error_message=error,
        resolution_steps=resolution,
        warnings=tuple(warnings),
        file_name=row.file_name,
        duplicate_of=copies.get((row.import_name, row.file_hash)) if row.status == "SKIPPED_DUPLICATE" else None,
        technical_message=technical or None,
        log_id=row.id,
    )


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
