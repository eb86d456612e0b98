"""The expected_schedule grammar: the forms it reads, the deadlines it gives (time zones, DST), and its refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from elt_project.config.insert_sql import render_config_insert
from elt_project.config.models import PipelineConfig
from elt_project.config.schedule import ScheduleError, parse_schedule
from elt_project.errors import ConfigurationError


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def deadlines(text: str, after: datetime, count: int) -> list[datetime]:
    return list(islice(parse_schedule(text).deadlines_after(after), count))


def test_weekdays_skip_the_weekend_and_follow_berlin_summer_time():
    # Friday 27 March 2026 is winter time (CET, UTC+1); Monday 30 March is summer time (CEST, UTC+2).
    assert deadlines("weekdays by 09:00 Europe/Berlin", utc(2026, 3, 27), 3) == [
        utc(2026, 3, 27, 8),
        utc(2026, 3, 30, 7),
        utc(2026, 3, 31, 7),
    ]


def test_berlin_back_to_winter_time_on_the_last_sunday_of_october():
    # Sunday 25 October 2026 03:00 CEST -> 02:00 CET.
    assert deadlines("daily by 09:00 Europe/Berlin", utc(2026, 10, 24), 3) == [
        utc(2026, 10, 24, 7),
        utc(2026, 10, 25, 8),
        utc(2026, 10, 26, 8),
    ]


def test_a_time_inside_the_spring_gap_falls_an_hour_later():
    # 02:30 does not exist in Berlin on 29 March 2026; it is read as 03:30 CEST = 01:30 UTC.
    assert deadlines("daily by 02:30 Europe/Berlin", utc(2026, 3, 29), 1) == [utc(2026, 3, 29, 1, 30)]


def test_other_forms():
    assert deadlines("daily by 06:30 UTC", utc(2026, 1, 1, 7), 1) == [utc(2026, 1, 2, 6, 30)]
    assert deadlines("Mondays by 12:00 America/New_York", utc(2026, 1, 1), 1) == [utc(2026, 1, 5, 17)]
    assert deadlines("mon,wed by 07:00", utc(2026, 1, 5, 8), 1) == [utc(2026, 1, 7, 7)]
    assert deadlines("weekends by 10:00", utc(2026, 1, 5), 2) == [utc(2026, 1, 10, 10), utc(2026, 1, 11, 10)]


def test_cron_with_grace_and_zone():
    # 09:00 Berlin Monday-Friday plus two hours' grace.
    assert deadlines("cron: 0 9 * * 1-5 grace 2h Europe/Berlin", utc(2026, 1, 2, 12), 2) == [
        utc(2026, 1, 5, 10),
        utc(2026, 1, 6, 10),
    ]
    assert deadlines("cron: */30 6 * * *", utc(2026, 1, 1), 3) == [
        utc(2026, 1, 1, 6),
        utc(2026, 1, 1, 6, 30),
        utc(2026, 1, 2, 6),
    ]
    # Both day fields restricted: either one makes a day (cron's rule). 1 Feb 2026 is a Sunday.
    assert deadlines("cron: 0 6 1 * mon", utc(2026, 1, 31), 2) == [utc(2026, 2, 1, 6), utc(2026, 2, 2, 6)]
    assert deadlines("cron: 0 0 * * 0 grace 1d", utc(2026, 1, 1), 1) == [utc(2026, 1, 5)]


def test_previous_deadline_is_strictly_before():
    promise = parse_schedule("weekdays by 09:00 Europe/Berlin")
    assert promise.previous_deadline(utc(2026, 3, 30, 7)) == utc(2026, 3, 27, 8)
    assert promise.previous_deadline(utc(2026, 3, 30, 7, 1)) == utc(2026, 3, 30, 7)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("weekday by 9", "is not understood"),
        ("daily by 24:00", "no valid time of day"),
        ("daily by 06:00 Mars/Olympus", "unknown time zone"),
        ("fridayz by 06:00", "names days it does not know"),
        ("cron: 0 9 * *", "needs five cron fields"),
        ("cron: 61 9 * * *", "outside 0-59"),
        ("cron: 0 9 * * 1-5 grace soon", "grace period"),
        ("cron: 0 9 31 2 *", "never comes due"),
        ("cron: 0 9 * * * UTC extra", "extra words"),
    ],
)
def test_bad_schedules_are_refused_with_what_to_write(text, words):
    with pytest.raises(ScheduleError, match=words):
        parse_schedule(text)


CONFIG = {
    "pipeline_name": "Sales",
    "import_name": "daily_sales",
    "file_type": "csv",
    "staging_table": "stg_sales",
    "destination_table": "sales",
}


def test_a_config_is_validated_when_it_is_saved():
    """The INSERT generator (the launchpad form's "save") refuses a bad schedule, naming the column."""
    with pytest.raises(ConfigurationError, match="column expected_schedule 'daily at 9' is not understood"):
        render_config_insert({**CONFIG, "expected_schedule": "daily at 9"}, "postgresql")
    with pytest.raises(ConfigurationError, match="column expected_min_rows must be 0 or more"):
        render_config_insert({**CONFIG, "expected_min_rows": -1}, "postgresql")
    sql = render_config_insert({**CONFIG, "expected_schedule": "weekdays by 09:00 Europe/Berlin"}, "mssql")
    assert "expected_schedule" in sql and "weekdays by 09:00 Europe/Berlin" in sql
    assert PipelineConfig.model_validate({**CONFIG, "expected_schedule": "  "}).expected_schedule is None


def test_deadlines_are_aware_utc():
    first = deadlines("daily by 06:30 Asia/Kolkata", utc(2026, 1, 1), 1)[0]
    assert first.utcoffset() == timedelta(0) and first == utc(2026, 1, 1, 1)
