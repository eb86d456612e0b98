"""The predictive-analytics batch as a Dagster asset with a daily schedule (running by default).

A thin shell: the work is :func:`elt_project.analytics.predictive.run_predictive_analytics`.
One config row that fails does not stop the others; the asset still fails at the
end so the run shows red and names the rows to fix.
"""

import dagster as dg

from elt_project.analytics.predictive import run_predictive_analytics as run_batch
from elt_project.orchestration.resources import WarehouseResource

ASSET_NAME = "run_predictive_analytics"
JOB_NAME = "predictive_analytics_job"
SCHEDULE_NAME = "predictive_analytics_daily"
#: 05:30 every day: after the nightly loads, before people open the hub.
DAILY_CRON = "30 5 * * *"


@dg.asset(
    name=ASSET_NAME,
    group_name="analytics",
    description="Forecasts and anomalies for every active analytics_config row, written to analytics_predictions.",
)
def run_predictive_analytics(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    report = run_batch(warehouse.engine(), warehouse.settings(), run_id=context.run.run_id)
    for outcome in report.outcomes:
        (context.log.warning if outcome.error else context.log.info)(outcome.line())
    if report.failed:
        raise dg.Failure(
            description=f"{len(report.failed)} of {len(report.outcomes)} analytics_config row(s) failed.",
            metadata={"failed": dg.MetadataValue.md("\n".join(f"- {o.line()}" for o in report.failed))},
        )
    return dg.MaterializeResult(
        metadata={
            "configs": dg.MetadataValue.int(len(report.outcomes)),
            "rows_written": dg.MetadataValue.int(sum(o.rows_written for o in report.outcomes)),
            "anomalies": dg.MetadataValue.int(sum(len(o.anomaly_days) for o in report.outcomes)),
            "alerts_sent": dg.MetadataValue.int(sum(o.alerts_sent for o in report.outcomes)),
        }
    )


def analytics_definitions() -> dg.Definitions:
    """The asset, its job and the daily schedule; the ``warehouse`` resource comes from the location."""
    job = dg.define_asset_job(JOB_NAME, selection=[ASSET_NAME], executor_def=dg.in_process_executor)
    schedule = dg.ScheduleDefinition(
        name=SCHEDULE_NAME,
        job=job,
        cron_schedule=DAILY_CRON,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Refreshes forecasts and anomalies once a day.",
    )
    return dg.Definitions(assets=[run_predictive_analytics], jobs=[job], schedules=[schedule])
