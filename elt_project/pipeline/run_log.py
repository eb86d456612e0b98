"""``etl_pipeline_run_logs``: one row per run per import, moved through its statuses.

STARTED → STAGED → SUCCESS, or FAILED / QUALITY_FAILED / SKIPPED_DUPLICATE, or
NO_NEW_FILES when the folder held nothing new. Rows carry counts and timings, a
one-sentence ``error_message`` and ``resolution_steps`` — never a stack trace, which
belongs in the orchestrator's log.

Writes are short transactions of their own (or ride on the caller's connection when
they must commit together with the destination rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import etl_pipeline_run_logs as run_logs
from elt_project.errors import EltError
from elt_project.pipeline.ledger import utcnow

STARTED = "STARTED"
STAGED = "STAGED"
SUCCESS = "SUCCESS"
FAILED = "FAILED"
QUALITY_FAILED = "QUALITY_FAILED"
SKIPPED_DUPLICATE = "SKIPPED_DUPLICATE"
NO_NEW_FILES = "NO_NEW_FILES"


def start(engine: Engine, run_id: str, config: PipelineConfig, trigger: str) -> int:
    """Write the STARTED row; returns its id."""
    with engine.begin() as conn:
        result = conn.execute(
            sa.insert(run_logs)
            .values(
                run_id=run_id,
                pipeline_name=config.pipeline_name,
                import_name=config.import_name,
                trigger=trigger,
                status=STARTED,
                start_time=utcnow(),
            )
            .returning(run_logs.c.id)
        )
        return int(result.scalar_one())


def update(bind: Engine | Connection, log_id: int, **values) -> None:
    """Set columns of one run-log row (``end_time`` is filled for final statuses)."""
    if values.get("status") not in (None, STARTED, STAGED):
        values.setdefault("end_time", utcnow())
    statement = sa.update(run_logs).where(run_logs.c.id == log_id).values(**values)
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            conn.execute(statement)
    else:
        bind.execute(statement)


def fail(engine: Engine, log_id: int, exc: Exception, status: str = FAILED) -> None:
    """Record a failure: the project's one-sentence message, or a generic one for anything else."""
    if isinstance(exc, EltError):
        message, resolution = str(exc), exc.resolution
    else:
        message = f"Unexpected {type(exc).__name__}; see the run's log in Dagster for details."
        resolution = EltError.resolution
    update(engine, log_id, status=status, error_message=message, resolution_steps=resolution)


def find(conn: Connection, run_id: str, import_name: str) -> int | None:
    """The id of this run's row for an import, or None."""
    return conn.execute(
        sa.select(run_logs.c.id)
        .where(run_logs.c.run_id == run_id, run_logs.c.import_name == import_name)
        .order_by(run_logs.c.id.desc())
        .limit(1)
    ).scalar()
