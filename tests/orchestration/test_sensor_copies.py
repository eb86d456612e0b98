"""A renamed copy of a loaded file, seen by a real sensor tick: no run, but a trace in the run log.

Real folder, real Dagster instance, real ledger and run-log tables (SQLite and PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime

import pytest
import sqlalchemy as sa

from elt_project.db import schema
from elt_project.pipeline.overview import import_history
from tests.orchestration.conftest import add_config, sha256_text
from tests.orchestration.test_sensors import age, tick, write

CONTENT = "id,amount\n1,10\n"


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "incoming"
    path.mkdir()
    return path


def _skipped_rows(engine):
    logs = schema.etl_pipeline_run_logs
    with engine.connect() as conn:
        return conn.execute(
            sa.select(logs.c.run_id, logs.c.file_name, logs.c.file_hash, logs.c.trigger).where(
                logs.c.status == "SKIPPED_DUPLICATE"
            )
        ).all()


def test_a_renamed_copy_is_logged_once_and_the_original_not_at_all(engine, build_defs, instance, folder):
    add_config(engine, monitored_directory=str(folder), load_method="append")
    defs = build_defs()
    original = folder / "sales_1.csv"
    write(original, CONTENT, mtime=1_700_000_000)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.elt_file_ledger).values(
                import_name="daily_sales",
                content_hash=sha256_text(CONTENT),
                file_path=str(original),
                file_size=len(CONTENT),
                file_mtime=os.stat(original).st_mtime,
                status="LOADED",
                run_id="run-1",
                rows_loaded=1,
                first_seen_at=datetime(2026, 12, 1),
                updated_at=datetime(2026, 12, 1, 9, 30),
            )
        )
    shutil.copyfile(original, folder / "sales_1 (copy).csv")

    _, cursor, _ = tick(defs, "daily_sales_file_sensor", instance)
    runs, cursor, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert runs == []
    [(run_id, file_name, file_hash, trigger)] = _skipped_rows(engine)
    assert (file_name, file_hash, trigger) == ("sales_1 (copy).csv", sha256_text(CONTENT), "sensor")
    assert run_id.startswith("sensor-")

    runs, _, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 60))
    assert runs == [] and len(_skipped_rows(engine)) == 1  # a file is hashed, and logged, once

    _load, attempt = import_history(engine, ["daily_sales"])["daily_sales"]
    assert attempt.duplicate_of == (
        "Skipped sales_1 (copy).csv: same content as sales_1.csv, loaded on 2026-12-01 09:30 UTC (1 row)."
    )
