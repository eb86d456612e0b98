"""Evaluating an import's quality rules again, on the rows its latest run left in staging.

A data-quality check normally runs inside the staging step, on the rows that run
staged. Asked for on its own (the "Execute" of a check in the Dagster UI), it has
no rows of its own; this module finds the most recent run of the import whose rows
are still in the staging table (a failed run, a quality failure, or a load kept by
``staging_retention_days``) and evaluates the rules there, read-only. When no such
rows are left it says so instead of reporting a pass over nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.db.schema import etl_pipeline_run_logs as run_logs
from elt_project.pipeline import quality
from elt_project.pipeline.results import QualityOutcome
from elt_project.pipeline.staging import lineage_columns
from elt_project.pipeline.tables import reflect_table

#: How many of the import's latest runs are looked at for rows still in staging.
RUNS_LOOKED_AT = 50


@dataclass(frozen=True)
class Recheck:
    run_id: str
    rows: int
    outcomes: list[QualityOutcome]


def recheck_latest_rows(engine: Engine, config: PipelineConfig, rules: list[QualityRule]) -> Recheck | None:
    """``rules`` evaluated on the latest run's rows still staged for ``config``; None when none are left."""
    staging = reflect_table(engine, config.staging_table, what=f"staging table of import '{config.import_name}'")
    run_column = staging.c[lineage_columns(staging)["run"]]
    recent = (
        sa.select(run_logs.c.run_id)
        .where(run_logs.c.import_name == config.import_name)
        .order_by(run_logs.c.id.desc())
        .limit(RUNS_LOOKED_AT)
    )
    with engine.connect() as conn:
        run_ids = list(dict.fromkeys(conn.scalars(recent)))
        found = next(
            (r for r in run_ids if conn.execute(sa.select(run_column).where(run_column == r).limit(1)).first()),
            None,
        )
        if found is None:
            return None
        rows = conn.execute(sa.select(sa.func.count()).select_from(staging).where(run_column == found)).scalar()
    run_id = found
    outcomes, _ = quality.evaluate(engine, config, staging, run_id, rules, record=False)
    return Recheck(run_id=run_id, rows=int(rows), outcomes=outcomes)
