"""Figures for the hub's Home page: a few business KPIs and the pipelines' recent health.

Read-only aggregates over the run and quality logs (and the demo's ``dest_sales``
when it exists), so the page opens fast on any warehouse, including an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.access import Scope
from elt_project.db import schema
from elt_project.pipeline.run_log import FAILED, QUALITY_FAILED


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str


@dataclass(frozen=True)
class PipelineHealth:
    """Recent runs (newest first), failures and quality warnings since ``since``."""

    since: datetime
    recent_runs: list[dict]
    failed_runs: int
    quality_warnings: int
    quality_failures: int


def sales_kpis(engine: Engine, readable: set[str] | None = None) -> list[Kpi]:
    """Revenue, orders, customers and the latest order date of ``dest_sales``.

    [] when the table does not exist or is not among the viewer's ``readable`` tables.
    """
    if (readable is not None and "dest_sales" not in readable) or not sa.inspect(engine).has_table("dest_sales"):
        return []
    sales = sa.table(
        "dest_sales", sa.column("order_id"), sa.column("amount"), sa.column("customer_id"), sa.column("order_date")
    )
    query = sa.select(
        sa.func.coalesce(sa.func.sum(sales.c.amount), 0),
        sa.func.count(sales.c.order_id),
        sa.func.count(sa.distinct(sales.c.customer_id)),
        sa.func.max(sales.c.order_date),
    )
    with engine.connect() as conn:
        revenue, orders, customers, latest = conn.execute(query).one()
    return [
        Kpi("Revenue", f"{float(revenue):,.0f}"),
        Kpi("Orders", f"{orders:,}"),
        Kpi("Customers", f"{customers:,}"),
        Kpi("Latest order", str(latest)[:10] if latest else "none"),
    ]


def pipeline_health(
    engine: Engine,
    *,
    days: int = 7,
    limit: int = 10,
    now: datetime | None = None,
    scope: Scope | None = None,
) -> PipelineHealth:
    """The last ``limit`` runs, and failures and quality warnings of the last ``days`` days.

    ``scope`` limits every figure to the viewer's imports (their grants); None counts all.
    """
    since = (now or datetime.now()) - timedelta(days=days)
    runs = schema.etl_pipeline_run_logs
    quality = schema.data_quality_run_logs
    own_runs = [] if scope is None else scope.import_filter(runs.c.import_name)
    own_checks = [] if scope is None else scope.import_filter(quality.c.import_name)
    with engine.connect() as conn:
        recent = conn.execute(
            sa.select(
                runs.c.import_name,
                runs.c.status,
                runs.c.start_time,
                runs.c.end_time,
                runs.c.rows_loaded,
                runs.c.error_message,
            )
            .where(*own_runs)
            .order_by(runs.c.start_time.desc(), runs.c.id.desc())
            .limit(limit)
        ).mappings()
        recent_runs = [dict(row) for row in recent]
        failed = conn.execute(
            sa.select(sa.func.count())
            .select_from(runs)
            .where(runs.c.status.in_([FAILED, QUALITY_FAILED]), runs.c.start_time >= since, *own_runs)
        ).scalar_one()
        by_status = dict(
            conn.execute(
                sa.select(quality.c.status, sa.func.count())
                .where(quality.c.checked_at >= since, quality.c.status.in_(["WARN", "FAIL"]), *own_checks)
                .group_by(quality.c.status)
            ).all()
        )
    return PipelineHealth(
        since=since,
        recent_runs=recent_runs,
        failed_runs=int(failed),
        quality_warnings=int(by_status.get("WARN", 0)),
        quality_failures=int(by_status.get("FAIL", 0)),
    )
