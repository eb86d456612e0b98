"""How long staged rows stay in a staging table.

Staging is append-only and keyed by ``dagster_run_id``; rows are removed by run:

- after a successful transform, the run's rows are deleted at once — unless the
  import's ``staging_retention_days`` is a positive number, in which case they stay
  that many days (for audits and re-runs of a procedure);
- rows of runs that failed or failed quality are kept for inspection:
  ``staging_retention_days`` days, or :data:`DEFAULT_FAILED_RETENTION_DAYS` when it
  is NULL;
- at the start of every run of an import, rows of its runs older than the
  retention window are purged (runs are dated by ``etl_pipeline_run_logs``), so
  staging never grows without bound. A failed parse/load deletes its rows at once.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.db import dialects
from elt_project.db.schema import etl_pipeline_run_logs as run_logs
from elt_project.pipeline.ledger import utcnow
from elt_project.pipeline.staging import lineage_columns

DEFAULT_FAILED_RETENTION_DAYS = 7


def retention_days(config: PipelineConfig) -> int:
    """Days rows of an unsuccessful (or, when positive, any) run are kept."""
    if config.staging_retention_days is None:
        return DEFAULT_FAILED_RETENTION_DAYS
    return max(0, config.staging_retention_days)


def purge_expired(engine: Engine, config: PipelineConfig, staging: sa.Table, *, current_run_id: str, now=None) -> int:
    """Delete staged rows of this import's runs (not the current one) older than the retention window."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days(config))
    run_column = staging.c[lineage_columns(staging)["run"]]
    old_runs = sa.select(run_logs.c.run_id).where(
        run_logs.c.import_name == config.import_name,
        run_logs.c.start_time < cutoff,
        run_logs.c.run_id != current_run_id,
    )
    with engine.begin() as conn:
        return conn.execute(sa.delete(staging).where(run_column.in_(old_runs))).rowcount or 0


def after_success(engine: Engine, config: PipelineConfig, staging: sa.Table, run_id: str) -> bool:
    """Delete a successfully transformed run's rows unless the import keeps them a while."""
    if config.staging_retention_days and config.staging_retention_days > 0:
        return False
    run_column = staging.c[lineage_columns(staging)["run"]]
    with engine.begin() as conn:
        dialects.delete_run(conn, staging, run_column, run_id)
    return True
