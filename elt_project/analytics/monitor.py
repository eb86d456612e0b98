"""The Pipeline Monitor's queries: runs, quality results, rejected rows and the file ledger, filtered.

Every query is bounded (``limit``) and filtered in SQL by pipeline, import and date
range; values are bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.access import Scope
from elt_project.db import schema

DEFAULT_LIMIT = 2_000


@dataclass(frozen=True)
class Filters:
    """What the monitor shows: one pipeline group or import (None: all) between two dates."""

    pipeline: str | None = None
    import_name: str | None = None
    start: date | None = None
    end: date | None = None
    #: What the viewer may see (:func:`elt_project.analytics.access.scope_for`); None: everything.
    scope: Scope | None = None

    def window(self, column: sa.Column, import_column: sa.Column) -> list:
        """The date window and the viewer's imports as SQL conditions."""
        conditions = [] if self.scope is None else self.scope.import_filter(import_column)
        if self.start is not None:
            conditions.append(column >= datetime.combine(self.start, time.min))
        if self.end is not None:
            conditions.append(column < datetime.combine(self.end + timedelta(days=1), time.min))
        return conditions


def choices(engine: Engine, scope: Scope | None = None) -> tuple[list[str], list[str]]:
    """The pipeline groups and import names that have configs or runs (those ``scope`` shows), for the filters."""
    configs, runs = schema.elt_pipeline_configs, schema.etl_pipeline_run_logs
    with engine.connect() as conn:
        pipelines = set(conn.execute(sa.select(configs.c.pipeline_name).distinct()).scalars())
        pipelines |= set(conn.execute(sa.select(runs.c.pipeline_name).distinct()).scalars())
        imports = set(conn.execute(sa.select(configs.c.import_name).distinct()).scalars())
        imports |= set(conn.execute(sa.select(runs.c.import_name).distinct()).scalars())
    if scope is not None:
        imports = {name for name in imports if scope.may_see_import(name)}
        if scope.pipelines is not None:
            pipelines &= scope.pipelines
    return sorted(p for p in pipelines if p), sorted(i for i in imports if i)


def _imports_of(engine: Engine, pipeline: str) -> list[str]:
    configs = schema.elt_pipeline_configs
    with engine.connect() as conn:
        return list(conn.execute(sa.select(configs.c.import_name).where(configs.c.pipeline_name == pipeline)).scalars())


def _by_import(engine: Engine, column: sa.Column, filters: Filters) -> list:
    if filters.import_name:
        return [column == filters.import_name]
    if filters.pipeline:
        return [column.in_(_imports_of(engine, filters.pipeline))]
    return []


def _fetch(engine: Engine, query) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def runs(engine: Engine, filters: Filters, *, limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    """Run log rows, newest first."""
    log = schema.etl_pipeline_run_logs
    where = filters.window(log.c.start_time, log.c.import_name)
    if filters.import_name:
        where.append(log.c.import_name == filters.import_name)
    elif filters.pipeline:
        where.append(log.c.pipeline_name == filters.pipeline)
    return _fetch(engine, sa.select(log).where(*where).order_by(log.c.start_time.desc(), log.c.id.desc()).limit(limit))


def quality_results(engine: Engine, filters: Filters, *, limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    """Quality rule outcomes, newest first."""
    log = schema.data_quality_run_logs
    where = filters.window(log.c.checked_at, log.c.import_name) + _by_import(engine, log.c.import_name, filters)
    return _fetch(engine, sa.select(log).where(*where).order_by(log.c.checked_at.desc(), log.c.id.desc()).limit(limit))


def rejected_rows(engine: Engine, filters: Filters, *, limit: int = 500) -> list[dict[str, Any]]:
    log = schema.elt_rejected_rows
    where = filters.window(log.c.rejected_at, log.c.import_name) + _by_import(engine, log.c.import_name, filters)
    return _fetch(engine, sa.select(log).where(*where).order_by(log.c.id.desc()).limit(limit))


def ledger(engine: Engine, filters: Filters, *, limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    """Each file's ledger entry: identity, outcome, rows loaded."""
    log = schema.elt_file_ledger
    where = filters.window(log.c.first_seen_at, log.c.import_name) + _by_import(engine, log.c.import_name, filters)
    return _fetch(engine, sa.select(log).where(*where).order_by(log.c.first_seen_at.desc()).limit(limit))


def schema_changes(engine: Engine, filters: Filters, *, limit: int = 500) -> list[dict[str, Any]]:
    """Changes of the files' columns (:mod:`elt_project.pipeline.schema_changes`), newest first, with a sentence."""
    from elt_project.pipeline.schema_changes import describe

    log = schema.elt_schema_changes
    where = filters.window(log.c.recorded_at, log.c.import_name) + _by_import(engine, log.c.import_name, filters)
    rows = _fetch(engine, sa.select(log).where(*where).order_by(log.c.id.desc()).limit(limit))
    return [{**row, "what": describe(row)} for row in rows]


def dagster_run_url(base_url: str, run_id: str | None) -> str | None:
    """The Dagster UI page of a run (its ``run_id`` in the logs is Dagster's run id)."""
    if not run_id or run_id.startswith(("manual", "cli")):
        return None
    return f"{base_url.rstrip('/')}/runs/{run_id}"


def status_by_day(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs per day and status, for the status-over-time chart."""
    counts: dict[tuple[date, str], int] = {}
    for row in rows:
        started = row.get("start_time")
        if started is None:
            continue
        key = (started.date(), str(row.get("status")))
        counts[key] = counts.get(key, 0) + 1
    return [{"day": day, "status": status, "runs": n} for (day, status), n in sorted(counts.items())]


#: Advice for a run a data-quality rule stopped, when the run log recorded none.
QUALITY_ADVICE = (
    "Open the Quality and Rejected rows tabs to see which rule failed on which rows, correct the source file "
    "(or ask an admin to correct the rule) and drop the file again."
)
_FAILED = {"FAILED", "QUALITY_FAILED"}


@dataclass(frozen=True)
class Failure:
    """A failed run as the monitor explains it: what happened, what to do, or that it no longer matters."""

    run: dict[str, Any]
    headline: str
    advice: str | None
    #: Start of a later run of the same import that loaded, when there is one (the advice is then moot).
    loaded_later: datetime | None


def failures(rows: list[dict[str, Any]]) -> list[Failure]:
    """The FAILED and QUALITY_FAILED runs of ``rows`` (newest first), each with its advice.

    A failure followed by a successful run of the same import has been dealt with: it
    keeps its error for the record but loses its "what to do".
    """
    loaded: dict[str, datetime] = {}
    explained: list[Failure] = []
    for row in sorted(rows, key=lambda r: r.get("start_time") or datetime.min, reverse=True):
        status = str(row.get("status") or "").upper()
        name = row.get("import_name") or ""
        if status == "SUCCESS" and row.get("start_time") is not None:
            loaded.setdefault(name, row["start_time"])
            continue
        if status not in _FAILED:
            continue
        later = loaded.get(name)
        if status == "QUALITY_FAILED":
            headline, advice = "stopped by a data-quality rule", row.get("resolution_steps") or QUALITY_ADVICE
        else:
            headline, advice = "failed", row.get("resolution_steps")
        explained.append(Failure(row, headline, None if later else advice, later))
    return explained


def file_rows(rows: list[dict[str, Any]], *, hash_chars: int = 12) -> list[dict[str, Any]]:
    """Ledger rows for reading: the file's name first, its folder after, the content hash shortened."""
    shown = []
    for row in rows:
        text = str(row.get("file_path") or "")
        path = PureWindowsPath(text) if "\\" in text else PurePosixPath(text)  # ledgers from Windows hosts too
        digest = str(row.get("content_hash") or "")
        shown.append(
            {
                "file": path.name,
                "status": row.get("status"),
                "rows_loaded": row.get("rows_loaded"),
                "first_seen_at": row.get("first_seen_at"),
                "import_name": row.get("import_name"),
                "error_message": row.get("error_message"),
                "folder": str(path.parent) if path.name else "",
                "content_hash": digest[:hash_chars] + ("…" if len(digest) > hash_chars else ""),
            }
        )
    return shown


def freshness(engine: Engine, scope: Scope | None, now: datetime) -> list:
    """The freshness of every active import ``scope`` shows, at ``now`` (aware UTC), late ones first."""
    from elt_project.config.repository import load_pipeline_configs
    from elt_project.pipeline.freshness import LATE, TOO_SMALL, freshness_report

    configs, _problems = load_pipeline_configs(engine)
    if scope is not None:
        configs = [
            c
            for c in configs
            if scope.may_see_import(c.import_name) and (scope.pipelines is None or c.pipeline_name in scope.pipelines)
        ]
    order = {LATE: 0, TOO_SMALL: 1}
    return sorted(freshness_report(engine, configs, now), key=lambda r: order.get(r.state, 2))
