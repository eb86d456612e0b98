"""When the search index is refreshed: as data lands, never as a cost of answering a query.

A load calls :func:`refresh_when_landed` once its rows are committed (the transform asset
and ``python3 launch.py elt run``), and so does the demo's install: the index is built
then if there is none, so the first search does not build it.

The index records the *landing mark* it covers: the count and newest id of successful
runs in the run log and the newest steward edit (:func:`landing_mark`). A query reads the
mark of the warehouse, two aggregates over those small logs and nothing of the published
tables, and compares it with the index's: equal, the query only ranks; different (a load
whose hook failed, a steward's edit), the index is brought up to date first, incrementally.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics import hub_config
from elt_project.analytics.search.index import RefreshReport, index_path, refresh
from elt_project.db.schema import etl_pipeline_run_logs, steward_audit_log
from elt_project.pipeline.run_log import SUCCESS

log = logging.getLogger(__name__)


def landing_mark(engine: Engine) -> str:
    """What says whether data landed since the index was refreshed: successful runs and steward edits so far.

    Two aggregates over the run log and the audit log (small tables, one row per run or
    edit), never over the published tables: this is the whole cost of checking an index
    that is up to date.
    """
    runs = etl_pipeline_run_logs
    with engine.connect() as conn:
        landed = conn.execute(sa.select(sa.func.count(), sa.func.max(runs.c.id)).where(runs.c.status == SUCCESS)).one()
        edited = conn.execute(sa.select(sa.func.max(steward_audit_log.c.id))).scalar()
    return json.dumps([int(landed[0]), landed[1], edited])


def stored_mark(data_dir: Path, encoder) -> str | None:
    """The landing mark the index was last refreshed at (None: no index, or none recorded)."""
    path = index_path(data_dir, encoder)
    if not path.is_file():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE name = 'landed'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return row[0] if row else None


def _store_mark(data_dir: Path, encoder, mark: str) -> None:
    db = sqlite3.connect(index_path(data_dir, encoder))
    try:
        db.execute("INSERT OR REPLACE INTO meta VALUES ('landed', ?)", (mark,))
        db.commit()
    finally:
        db.close()


def refresh_to_mark(engine: Engine, encoder, data_dir: Path, tables: list[str] | None = None) -> RefreshReport:
    """:func:`refresh` (of ``tables``; every published table: None), then record the landing mark it covers.

    The mark is read before the refresh: a run that lands during it leaves the recorded
    mark behind, so the next query sees the index as stale instead of missing that run.
    """
    mark = landing_mark(engine)
    report = refresh(engine, encoder, data_dir, tables=tables)
    _store_mark(data_dir, encoder, mark)
    return report


def refresh_when_landed(
    engine: Engine, settings, tables: list[str] | None, *, build: bool | None = None
) -> RefreshReport | None:
    """What a load calls once its rows are committed: build the index if there is none, else refresh ``tables``.

    Built when data lands (and when the demo is installed), so the first search does not
    pay for it; ``build`` overrides ``ELT_SEARCH_INDEX_ON_LOAD`` (the demo's command always
    builds). A failure is logged, never raised: the load committed, and the next query sees
    from the landing mark that the index is behind and catches it up.
    """
    from elt_project.analytics.search import encoder_for  # the package imports this module

    try:
        encoder = encoder_for(settings)
        if stored_mark(settings.data_dir, encoder) is None:
            if not (settings.search_index_on_load if build is None else build):
                return None  # ELT_SEARCH_INDEX_ON_LOAD=no: the first search builds it
            return refresh_to_mark(engine, encoder, settings.data_dir)
        if tables is not None and _edited_since(stored_mark(settings.data_dir, encoder), landing_mark(engine)):
            tables = None  # a steward edit the index has not seen: every table is compared
        if tables is not None:
            published = {name.lower(): name for name in hub_config.allowed_tables(engine)}
            tables = sorted({published[t.lower()] for t in tables if t.lower() in published})
        return refresh_to_mark(engine, encoder, settings.data_dir, tables)
    except Exception:
        log.warning("The search index was not refreshed after loading %s", ", ".join(tables or ["data"]), exc_info=True)
        return None


def _edited_since(stored: str | None, current: str) -> bool:
    return stored is None or json.loads(stored)[2] != json.loads(current)[2]


def ensure_fresh(engine: Engine, encoder, data_dir: Path, *, force: bool = False) -> RefreshReport | None:
    """What a query calls: refresh every table only when the index is missing, behind the landing mark, or ``force``."""
    if not force and stored_mark(data_dir, encoder) == landing_mark(engine):
        return None
    return refresh_to_mark(engine, encoder, data_dir)
