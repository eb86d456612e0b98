"""Freshness: did each import's file come when it was promised, and was it big enough?

An import with ``expected_schedule`` promises one file per deadline (grammar in
:mod:`elt_project.config.schedule`). The rule is one file per window: the file that arrived
last satisfies the first deadline at or after its arrival; the next file is due by
the deadline after that one, and once that deadline passes without a file the import
is late. That missed deadline (``overdue_since``) names the lateness episode: it
stays the same, tick after tick, until a file arrives, which is what lets an alert
be posted once per episode.

An arrival is a file the ledger marked LOADED, at the time it was loaded (a file
that failed to load is not fresh data; the run's failure tells about it). An import
that never loaded a file is due by the first deadline after its config row was made.

A loaded file is too small when its rows are under ``expected_min_rows``, or under
a tenth of the median of the import's previous loads (learned from the ledger,
once there are a few).

Times are aware UTC datetimes; the clock is passed in (``now``), never read here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.config.schedule import Promise, parse_schedule
from elt_project.db import schema
from elt_project.pipeline.ledger import LOADED, RELOADING

ON_TIME, LATE, TOO_SMALL, NO_PROMISE = "on_time", "late", "too_small", "no_promise"
#: Loads the median is learned from, the fewest that make it trustworthy, and the share under which a file is small.
MEDIAN_LOADS, MEDIAN_MIN_LOADS, MEDIAN_SHARE = 20, 3, 0.10
_CHUNK = 500


@dataclass(frozen=True)
class Arrival:
    """One loaded file: when it was loaded (aware UTC) and the rows it brought."""

    at: datetime
    rows: int | None
    file_path: str = ""

    @property
    def file_name(self) -> str:
        return self.file_path.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Freshness:
    """One import's freshness: its state, its last arrival, and when the next file is due."""

    import_name: str
    pipeline_name: str
    state: str
    schedule: str | None
    last_arrival: Arrival | None
    expected_by: datetime | None
    overdue_since: datetime | None
    #: One sentence for people: why the state is what it is.
    reason: str

    def as_dict(self) -> dict:
        return {
            "import_name": self.import_name,
            "pipeline_name": self.pipeline_name,
            "state": self.state,
            "schedule": self.schedule,
            "last_arrival": _iso(self.last_arrival.at if self.last_arrival else None),
            "last_rows": self.last_arrival.rows if self.last_arrival else None,
            "last_file": self.last_arrival.file_name if self.last_arrival else None,
            "expected_by": _iso(self.expected_by),
            "overdue_since": _iso(self.overdue_since),
            "reason": self.reason,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _words(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def assess(
    config: PipelineConfig, arrivals: Sequence[Arrival], now: datetime, *, promised_since: datetime | None = None
) -> Freshness:
    """The freshness of one import at ``now``; ``arrivals`` newest first, ``promised_since`` its row's creation."""
    last = arrivals[0] if arrivals else None

    def result(state: str, reason: str, expected_by=None, overdue_since=None) -> Freshness:
        return Freshness(
            config.import_name,
            config.pipeline_name,
            state,
            config.expected_schedule,
            last,
            expected_by,
            overdue_since,
            reason,
        )

    if not config.expected_schedule and config.expected_min_rows is None:
        return result(NO_PROMISE, "No expected_schedule or expected_min_rows is set for this import.")
    expected_by = None
    if config.expected_schedule:
        promise = parse_schedule(config.expected_schedule)
        if last is not None:
            met = _last_deadline_met(promise, arrivals)
            expected_by = promise.next_deadline(met) if met else None
        else:
            expected_by = promise.next_deadline(promised_since or now)
        if expected_by is not None and now >= expected_by:
            since = f"the last file was loaded {_words(last.at)}" if last else "no file has been loaded yet"
            return result(
                LATE, f"A file was due by {_words(expected_by)}; {since}.", expected_by, overdue_since=expected_by
            )
    small = _too_small(config, arrivals)
    if small:
        return result(TOO_SMALL, small, expected_by)
    if last is None:
        return result(ON_TIME, f"No file yet; the first is due by {_words(expected_by)}.", expected_by)
    due = f"; the next is due by {_words(expected_by)}" if expected_by else ""
    return result(ON_TIME, f"The last file was loaded {_words(last.at)}{due}.", expected_by)


def _last_deadline_met(promise: Promise, arrivals: Sequence[Arrival]) -> datetime | None:
    """The latest deadline the arrivals (newest first) have met, oldest arrival first.

    A file meets the first deadline at or after its arrival; a file that comes after a
    deadline nobody met is the late file for that deadline (so a supplier who is half
    an hour late every day is late every day, not every other day).
    """
    met: datetime | None = None
    for index, arrival in enumerate(reversed(arrivals)):
        missed = promise.previous_deadline(arrival.at)
        if index > 0 and missed is not None and (met is None or met < missed):
            met = missed
        else:
            at_or_after = promise.next_deadline(arrival.at - timedelta(microseconds=1))
            met = at_or_after if met is None or at_or_after is None else max(met, at_or_after)
    return met


def _too_small(config: PipelineConfig, arrivals: Sequence[Arrival]) -> str | None:
    """Why the newest loaded file is too small, or None."""
    if not arrivals or arrivals[0].rows is None:
        return None
    rows = arrivals[0].rows
    if config.expected_min_rows is not None and rows < config.expected_min_rows:
        return f"The last file brought {rows:,} rows, fewer than the expected {config.expected_min_rows:,}."
    earlier = [a.rows for a in arrivals[1 : MEDIAN_LOADS + 1] if a.rows is not None]
    if len(earlier) >= MEDIAN_MIN_LOADS:
        median = statistics.median(earlier)
        if rows < MEDIAN_SHARE * median:
            return (
                f"The last file brought {rows:,} rows, under {MEDIAN_SHARE:.0%} of the usual "
                f"{median:,.0f} (median of the last {len(earlier)} loads)."
            )
    return None


def read_arrivals(engine: Engine, import_names: Sequence[str], per_import: int = MEDIAN_LOADS + 1) -> dict:
    """Import name -> its newest loaded files (newest first, at most ``per_import``), from the ledger."""
    ledger = schema.elt_file_ledger
    rank = (
        sa.func.row_number()
        .over(partition_by=ledger.c.import_name, order_by=(ledger.c.updated_at.desc(), ledger.c.id.desc()))
        .label("rank")
    )
    found: dict[str, list[Arrival]] = {}
    with engine.connect() as conn:
        for start in range(0, len(import_names), _CHUNK):
            chunk = list(import_names[start : start + _CHUNK])
            ranked = (
                sa.select(ledger.c.import_name, ledger.c.updated_at, ledger.c.rows_loaded, ledger.c.file_path, rank)
                .where(
                    ledger.c.import_name.in_(chunk),
                    ledger.c.status.in_((LOADED, RELOADING)),
                    ledger.c.updated_at.is_not(None),
                )
                .subquery()
            )
            rows = conn.execute(
                sa.select(ranked).where(ranked.c.rank <= per_import).order_by(ranked.c.import_name, ranked.c.rank)
            )
            for row in rows:
                found.setdefault(row.import_name, []).append(
                    Arrival(row.updated_at.replace(tzinfo=UTC), row.rows_loaded, row.file_path)
                )
    return found


def read_created(engine: Engine, import_names: Sequence[str]) -> dict[str, datetime]:
    """Import name -> when its config row was made (aware UTC): a promise starts then."""
    table = schema.elt_pipeline_configs
    found: dict[str, datetime] = {}
    with engine.connect() as conn:
        for start in range(0, len(import_names), _CHUNK):
            chunk = list(import_names[start : start + _CHUNK])
            for name, created in conn.execute(
                sa.select(table.c.import_name, table.c.created_at).where(table.c.import_name.in_(chunk))
            ):
                if created is not None:
                    found[name] = created.replace(tzinfo=UTC)
    return found


def freshness_report(engine: Engine, configs: Sequence[PipelineConfig], now: datetime) -> list[Freshness]:
    """Every config's freshness at ``now`` (aware), in the configs' order: two ledger reads in all."""
    names = [c.import_name for c in configs]
    arrivals = read_arrivals(engine, names)
    created = read_created(engine, names)
    return [assess(c, arrivals.get(c.import_name, []), now, promised_since=created.get(c.import_name)) for c in configs]
