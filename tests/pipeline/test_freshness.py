"""Each import's freshness at a given moment: on time, late, late then arrived, weekends, DST, too small.

The clock is an argument: every case names the moment it is judged at. The last
tests read the arrivals from a real ledger on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from elt_project.config.models import PipelineConfig
from elt_project.db import schema
from elt_project.pipeline.freshness import (
    LATE,
    NO_PROMISE,
    ON_TIME,
    TOO_SMALL,
    Arrival,
    assess,
    freshness_report,
)
from tests.orchestration.conftest import add_config


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def config(schedule: str | None = "weekdays by 09:00 Europe/Berlin", min_rows: int | None = None, **extra):
    values = {
        "pipeline_name": "Sales",
        "import_name": "daily_sales",
        "file_type": "csv",
        "staging_table": "stg_sales",
        "destination_table": "sales",
        "expected_schedule": schedule,
        "expected_min_rows": min_rows,
    }
    return PipelineConfig.model_validate({**values, **extra})


def arrivals(*moments: datetime, rows: int = 1000) -> list[Arrival]:
    """Arrivals newest first, as the ledger read returns them."""
    return [Arrival(m, rows, f"/in/sales_{m:%Y%m%d%H%M}.csv") for m in sorted(moments, reverse=True)]


# Winter in Berlin: 09:00 local is 08:00 UTC. Tuesday 13 January 2026.
TUE_0800 = utc(2026, 1, 13, 8)


def test_on_time_before_the_deadline_and_after_todays_file():
    monday_file = arrivals(utc(2026, 1, 12, 7, 30))
    before = assess(config(), monday_file, utc(2026, 1, 13, 7, 59))
    assert before.state == ON_TIME and before.expected_by == TUE_0800
    todays = assess(config(), arrivals(utc(2026, 1, 12, 7, 30), utc(2026, 1, 13, 7)), utc(2026, 1, 13, 10))
    assert todays.state == ON_TIME and todays.expected_by == utc(2026, 1, 14, 8)
    assert todays.overdue_since is None


def test_late_once_the_deadline_passes_without_a_file():
    report = assess(config(), arrivals(utc(2026, 1, 12, 7, 30)), TUE_0800)
    assert report.state == LATE and report.overdue_since == TUE_0800
    assert "due by 2026-01-13 08:00 UTC" in report.reason and "2026-01-12 07:30 UTC" in report.reason
    # Still the same episode a day later: the missed deadline does not move.
    assert assess(config(), arrivals(utc(2026, 1, 12, 7, 30)), utc(2026, 1, 14, 12)).overdue_since == TUE_0800


def test_late_then_arrived_and_a_late_file_does_not_cover_the_next_day():
    late_file = arrivals(utc(2026, 1, 12, 7, 30), utc(2026, 1, 13, 9, 15))  # Tuesday's file, 75 minutes late
    back = assess(config(), late_file, utc(2026, 1, 13, 9, 20))
    assert back.state == ON_TIME and back.expected_by == utc(2026, 1, 14, 8)
    # Wednesday without a file is late again on Wednesday, not on Thursday.
    assert assess(config(), late_file, utc(2026, 1, 14, 8, 1)).state == LATE


def test_the_weekend_is_skipped():
    friday = arrivals(utc(2026, 1, 16, 7))
    for moment in (utc(2026, 1, 17, 12), utc(2026, 1, 18, 23), utc(2026, 1, 19, 7, 59)):
        report = assess(config(), friday, moment)
        assert report.state == ON_TIME and report.expected_by == utc(2026, 1, 19, 8), moment
    assert assess(config(), friday, utc(2026, 1, 19, 8)).state == LATE


def test_spring_forward_in_berlin_moves_the_deadline_to_07_00_utc():
    """Monday 30 March 2026 is the first weekday of summer time: 09:00 Berlin is 07:00 UTC."""
    friday = arrivals(utc(2026, 3, 27, 7))
    report = assess(config(), friday, utc(2026, 3, 30, 7, 30))  # 09:30 in Berlin
    assert report.state == LATE and report.overdue_since == utc(2026, 3, 30, 7)
    assert assess(config(), friday, utc(2026, 3, 30, 6, 59)).state == ON_TIME


def test_fall_back_in_berlin_moves_the_deadline_to_08_00_utc():
    """Monday 26 October 2026 is the first weekday of winter time: 09:00 Berlin is 08:00 UTC again."""
    friday = arrivals(utc(2026, 10, 23, 6))
    report = assess(config(), friday, utc(2026, 10, 26, 7, 30))  # 08:30 in Berlin
    assert report.state == ON_TIME and report.expected_by == utc(2026, 10, 26, 8)
    assert assess(config(), friday, utc(2026, 10, 26, 8)).state == LATE


def test_an_import_that_never_loaded_is_due_by_the_first_deadline_after_its_row_was_made():
    made = utc(2026, 1, 13, 10)  # Tuesday after the deadline
    waiting = assess(config(), [], utc(2026, 1, 14, 7), promised_since=made)
    assert waiting.state == ON_TIME and waiting.expected_by == utc(2026, 1, 14, 8)
    late = assess(config(), [], utc(2026, 1, 14, 9), promised_since=made)
    assert late.state == LATE and "no file has been loaded yet" in late.reason


def test_too_small_by_the_minimum_and_by_the_learned_median():
    few = [Arrival(utc(2026, 1, 13, 7), 40)] + arrivals(utc(2026, 1, 12, 7), rows=1000)
    report = assess(config(min_rows=100), few, utc(2026, 1, 13, 10))
    assert report.state == TOO_SMALL and "fewer than the expected 100" in report.reason
    assert assess(config(min_rows=40), few, utc(2026, 1, 13, 10)).state == ON_TIME

    usual = arrivals(*(utc(2026, 1, d, 7) for d in (5, 6, 7, 8, 9, 12)), rows=1000)
    small = [Arrival(utc(2026, 1, 13, 7), 99)] + usual
    report = assess(config(), small, utc(2026, 1, 13, 10))
    assert report.state == TOO_SMALL and "median of the last 6 loads" in report.reason
    assert assess(config(), [Arrival(utc(2026, 1, 13, 7), 100)] + usual, utc(2026, 1, 13, 10)).state == ON_TIME
    # Two earlier loads are too few to learn from.
    assert assess(config(), small[:3], utc(2026, 1, 13, 10)).state == ON_TIME


def test_lateness_wins_over_a_small_file_and_no_promise_is_said():
    few = [Arrival(utc(2026, 1, 12, 7), 1)]
    assert assess(config(min_rows=100), few, TUE_0800).state == LATE
    assert assess(config(schedule=None), few, TUE_0800).state == NO_PROMISE
    only_rows = assess(config(schedule=None, min_rows=100), few, TUE_0800)
    assert only_rows.state == TOO_SMALL and only_rows.expected_by is None


def add_ledger(engine, import_name: str, when: datetime, rows: int, status: str = "LOADED", name: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.elt_file_ledger).values(
                import_name=import_name,
                content_hash=hashlib.sha256(f"{import_name}-{when.isoformat()}-{status}".encode()).hexdigest(),
                file_path=f"/in/{name or when.strftime('%Y%m%d%H%M')}.csv",
                file_size=10,
                file_mtime=0.0,
                status=status,
                rows_loaded=rows,
                updated_at=when.replace(tzinfo=None),
            )
        )


def test_report_reads_the_ledger(engine):
    """Both warehouses: the newest LOADED file counts; FAILED files do not; each import gets its own history."""
    add_config(engine, import_name="daily_sales", expected_schedule="daily by 06:00 UTC", expected_min_rows=10)
    add_config(engine, import_name="stock", expected_schedule="daily by 06:00 UTC", destination_table="stock")
    add_config(engine, import_name="loose", destination_table="loose")
    for day in range(1, 13):
        add_ledger(engine, "daily_sales", utc(2026, 1, day, 5), 500 + day)
    add_ledger(engine, "daily_sales", utc(2026, 1, 13, 5), 5, name="tiny")
    add_ledger(engine, "stock", utc(2026, 1, 12, 5), 80)
    add_ledger(engine, "stock", utc(2026, 1, 13, 5), 80, status="FAILED")
    from elt_project.config.repository import load_pipeline_configs

    configs, problems = load_pipeline_configs(engine)
    assert problems == []
    reports = {r.import_name: r for r in freshness_report(engine, configs, utc(2026, 1, 13, 6, 30))}
    sales = reports["daily_sales"]
    assert sales.state == TOO_SMALL and sales.last_arrival.file_name == "tiny.csv"
    assert sales.last_arrival.at == utc(2026, 1, 13, 5) and sales.expected_by == utc(2026, 1, 14, 6)
    stock = reports["stock"]
    assert stock.state == LATE and stock.last_arrival.at == utc(2026, 1, 12, 5)
    assert stock.overdue_since == utc(2026, 1, 13, 6)
    assert reports["loose"].state == NO_PROMISE
    as_json = sales.as_dict()
    assert as_json["last_arrival"] == "2026-01-13T05:00:00Z" and as_json["last_rows"] == 5


def test_an_import_without_files_is_late_from_its_rows_creation(engine):
    add_config(engine, import_name="new_feed", expected_schedule="daily by 06:00 UTC")
    from elt_project.config.repository import load_pipeline_configs

    configs, _ = load_pipeline_configs(engine)
    with engine.connect() as conn:
        made = conn.execute(sa.select(schema.elt_pipeline_configs.c.created_at)).scalar_one().replace(tzinfo=UTC)
    first_due = next(d for d in (made.replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=n)
                                 for n in range(3)) if d > made)  # fmt: skip
    (before,) = freshness_report(engine, configs, first_due - timedelta(minutes=1))
    (after,) = freshness_report(engine, configs, first_due)
    assert (before.state, after.state) == (ON_TIME, LATE)
    assert after.overdue_since == first_due
