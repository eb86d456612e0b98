"""The ingest benchmark's engine runs that need more than ``run_import``: the Dagster job, and the counts it checks."""

from __future__ import annotations

import os
import time
from pathlib import Path


def landed_counts(engine) -> tuple[int, int]:
    """(rows in the destination, rows left in staging) of the benchmark's tables; disposes of the engine."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT COUNT(*) FROM dest_bench")).scalar()
        staged = conn.execute(sa.text("SELECT COUNT(*) FROM stg_bench")).scalar()
    engine.dispose()
    return loaded, staged


def dagster_run(engine, settings, workdir: Path) -> dict:
    """The generated job's staging and transform steps for the folder's file, as a sensor's run would ask."""
    import dagster as dg

    from elt_project.orchestration.factory import build_definitions
    from elt_project.orchestration.resources import WarehouseResource
    from elt_project.orchestration.snapshot import read_snapshot

    warehouse = WarehouseResource.for_settings(settings, output_dir=workdir / "out")
    job = build_definitions(read_snapshot(engine), settings, warehouse=warehouse).resolve_job_def("bench_job")
    keys = [dg.AssetKey("bench_orders_extract_and_load_staging"), dg.AssetKey("bench_transform")]
    with dg.DagsterInstance.ephemeral() as instance:
        os.sync()
        started = time.perf_counter()
        result = job.execute_in_process(
            instance=instance, asset_selection=keys, run_config={"ops": {"bench_stage_imports": {"config": {}}}}
        )
        total = time.perf_counter() - started
    assert result.success
    metadata = {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }
    loaded, staged = landed_counts(engine)
    return {
        "total": total,
        "staged": staged,
        "load": metadata[keys[0]]["duration_s"].value,
        "quality": 0.0,
        "transform": metadata[keys[1]]["duration_s"].value,
        "transform_says": metadata[keys[1]]["imports"].value,
        "rows": loaded,
    }
