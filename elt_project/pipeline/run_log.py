"""``etl_pipeline_run_logs``: one row per run per import, moved through its statuses.

STARTED → STAGED → SUCCESS, or FAILED / QUALITY_FAILED / SKIPPED_DUPLICATE, or
NO_NEW_FILES when the folder held nothing new. Rows carry counts and timings, a
one-sentence ``error_message`` and ``resolution_steps`` — never a stack trace, which
belongs in the orchestrator's log.

Writes are short transactions of their own (or ride on the caller's connection when
they must commit together with the destination rows).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import etl_pipeline_run_logs as run_logs
from elt_project.errors import EltError
from elt_project.pipeline.ledger import loaded_copy_of, utcnow

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


def record_skipped_copy(
    engine: Engine, config: PipelineConfig, path: str | Path, content_hash: str, mtime: float, trigger: str
) -> str | None:
    """Log a file a sensor passed over because the import already loaded its content elsewhere.

    A renamed copy of a loaded file starts no run, so without this row nothing would say
    it was seen. The row (status SKIPPED_DUPLICATE, a run id of its own) names the copy
    and its content hash; the page finds the original through the ledger. The loaded
    file itself, still in the folder, is not a copy: same path and same modification
    time is the same file. Returns the new row's run id, or None when nothing was logged.
    """
    original = loaded_copy_of(engine, config.import_name, content_hash)
    if original is None:
        return None
    if Path(original.file_path) == Path(path) and original.file_mtime == mtime:
        return None
    run_id = f"{trigger}-{uuid.uuid4()}"
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            sa.insert(run_logs).values(
                run_id=run_id,
                pipeline_name=config.pipeline_name,
                import_name=config.import_name,
                file_name=Path(path).name[:1024],
                file_hash=content_hash,
                trigger=trigger,
                status=SKIPPED_DUPLICATE,
                start_time=now,
                end_time=now,
                rows_read=0,
                rows_staged=0,
            )
        )
    return run_id


def committed_rows(engine: Engine, run_id: str, import_names: list[str]) -> dict[str, int]:
    """Rows the run already committed, per import whose run-log row is SUCCESS.

    A Dagster transform step whose staging step loaded the files directly finds
    nothing staged; this is what that step loaded instead.
    """
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(run_logs.c.import_name, run_logs.c.rows_loaded).where(
                run_logs.c.run_id == run_id, run_logs.c.import_name.in_(import_names), run_logs.c.status == SUCCESS
            )
        ).all()
    return {name: int(loaded or 0) for name, loaded in rows}
