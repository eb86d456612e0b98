"""File sensors against a real folder, a real Dagster instance and the real ledger table.

Time passing between ticks is simulated by moving the cursor's timestamps back:
the cursor is exactly what a previous tick would have stored.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime

import dagster as dg
import pytest
import sqlalchemy as sa

from elt_project.db import schema
from tests.orchestration.conftest import add_config, sha256_text


def tick(defs, name, instance, cursor=None):
    """One sensor evaluation: (run requests, new cursor, skip message)."""
    sensor = defs.resolve_sensor_def(name)
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=defs, resources=dict(defs.resources)
    ) as context:
        result = sensor.evaluate_tick(context)
    skip = result.skip_message
    return list(result.run_requests or []), result.cursor, skip


def age(cursor: str, seconds: float) -> str:
    """The cursor as it would look ``seconds`` later: every timestamp moved back."""
    data = json.loads(cursor)
    for item in data["files"].values():  # [size, mtime, seen_at(, sha256, pending_since)]
        if len(item) >= 3:
            item[2] -= seconds
        if len(item) == 5:
            item[4] -= seconds
    data["sent"] = {h: t - seconds for h, t in data["sent"].items()}
    for entry in data.get("bases", []):  # [time, retry basis]
        entry[0] -= seconds
    for entry in data.get("tried", {}).values():  # [retry basis, time, run id]
        entry[1] -= seconds
    return json.dumps(data)


def write(path, text, mtime=None):
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "incoming"
    path.mkdir()
    return path


def test_append_file_is_requested_once_stable_with_a_content_run_key(engine, build_defs, instance, folder):
    add_config(engine, monitored_directory=str(folder), load_method="append")
    defs = build_defs()
    write(folder / "sales_1.csv", "id,amount\n1,10\n")
    write(folder / "ignored.txt", "not matching the pattern")

    runs, cursor, skip = tick(defs, "daily_sales_file_sensor", instance)
    assert runs == [] and "still settling" in skip  # younger than file_min_age_seconds

    runs, cursor, skip = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert len(runs) == 1
    run = runs[0]
    assert run.run_key == "daily_sales:" + sha256_text("id,amount\n1,10\n")
    assert run.asset_selection == [
        dg.AssetKey("daily_sales_extract_and_load_staging"),
        dg.AssetKey("sales_transform"),
    ]
    config = run.run_config["ops"]["sales_stage_imports"]["config"]
    assert config == {"files": [str(folder / "sales_1.csv")], "trigger": "sensor"}
    assert run.tags["import"] == "daily_sales"

    runs, cursor, skip = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 60))
    assert runs == [] and skip == "No new files."

    # The same content under another name is not loaded twice.
    shutil.copy(folder / "sales_1.csv", folder / "sales_1_copy.csv")
    runs, cursor, _ = tick(defs, "daily_sales_file_sensor", instance, cursor)
    runs, cursor, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert runs == []

    # New content under the old name is.
    write(folder / "sales_1.csv", "id,amount\n2,20\n", mtime=1_700_000_000)
    runs, cursor, _ = tick(defs, "daily_sales_file_sensor", instance, cursor)
    runs, cursor, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert [r.run_key for r in runs] == ["daily_sales:" + sha256_text("id,amount\n2,20\n")]


def test_a_file_still_growing_is_not_requested(engine, build_defs, instance, folder):
    add_config(engine, monitored_directory=str(folder))
    defs = build_defs()
    write(folder / "sales_big.csv", "id\n1\n")
    _, cursor, _ = tick(defs, "daily_sales_file_sensor", instance)
    write(folder / "sales_big.csv", "id\n1\n2\n")  # the copy is still running
    runs, cursor, skip = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert runs == [] and "settling" in skip
    runs, _, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert len(runs) == 1


def test_replace_files_wait_for_the_batch_window_then_go_in_one_run(engine, build_defs, instance, folder):
    add_config(engine, monitored_directory=str(folder), load_method="replace")
    defs = build_defs()
    write(folder / "sales_a.csv", "id\n1\n", mtime=1_700_000_000)
    write(folder / "sales_b.csv", "id\n2\n", mtime=1_700_000_100)

    _, cursor, _ = tick(defs, "daily_sales_file_sensor", instance)
    runs, cursor, skip = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert runs == [] and skip.startswith("Holding 2 file(s) for the batch window")
    runs, cursor, skip = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 60))
    assert runs == []
    runs, cursor, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 61))
    assert len(runs) == 1
    config = runs[0].run_config["ops"]["sales_stage_imports"]["config"]
    assert config["files"] == [str(folder / "sales_a.csv"), str(folder / "sales_b.csv")]  # oldest first
    assert runs[0].run_key.startswith("daily_sales:batch:")
    runs, _, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 500))
    assert runs == []


def test_restart_with_an_empty_cursor_skips_what_the_ledger_loaded(engine, build_defs, instance, folder):
    add_config(engine, monitored_directory=str(folder))
    defs = build_defs()
    write(folder / "sales_old.csv", "id\n1\n")
    write(folder / "sales_new.csv", "id\n2\n")
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.elt_file_ledger).values(
                import_name="daily_sales",
                content_hash=sha256_text("id\n1\n"),
                file_path="x/sales_old.csv",
                file_size=5,
                file_mtime=0.0,
                status="LOADED",
                first_seen_at=datetime(2026, 1, 1),
            )
        )
    _, cursor, _ = tick(defs, "daily_sales_file_sensor", instance, cursor=None)
    runs, _, _ = tick(defs, "daily_sales_file_sensor", instance, age(cursor, 11))
    assert [r.run_config["ops"]["sales_stage_imports"]["config"]["files"] for r in runs] == [
        [str(folder / "sales_new.csv")]
    ]


def test_a_missing_folder_is_created_not_a_crash(engine, build_defs, instance, tmp_path):
    missing = tmp_path / "not" / "yet"
    add_config(engine, monitored_directory=str(missing))
    runs, _, skip = tick(build_defs(), "daily_sales_file_sensor", instance)
    assert runs == [] and "Created the missing monitored folder" in skip
    assert missing.is_dir()


def test_a_folder_that_cannot_be_created_is_reported(engine, build_defs, instance, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    add_config(engine, monitored_directory=str(blocker / "sub"))
    runs, _, skip = tick(build_defs(), "daily_sales_file_sensor", instance)
    assert runs == [] and "fix monitored_directory of import 'daily_sales'" in skip
