"""The record of schema changes: which file, which columns, what the run did.

One row of ``elt_schema_changes`` per change a run met. ``action`` is one of:

- ``add_pending`` — an ``evolve`` import staged a file with new columns; the
  columns wait for the transform, which adds them to the destination and the
  column mapping in its own transaction and turns the row into ``added``. A row
  left ``add_pending`` means that run never finished: nothing reached the
  destination, and the next run adds the columns again.
- ``added`` — the columns are in staging, destination and column mapping.
- ``ignored`` — an ``ignore_new`` import left the columns out of this load.
- ``missing_allowed`` — the file lacked mapped columns that are nullable in the
  destination (``schema_allow_missing``); they loaded as NULL.
- ``widening_proposed`` — a value no longer fits its column; the run failed, and
  ``proposed_ddl`` holds the ALTER TABLE for an admin to review and apply.

Every surface (the Data Importer page, the hub's Pipeline Monitor) shows
:func:`describe`'s sentence, so they say the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db.schema import elt_schema_changes

ADD_PENDING = "add_pending"
ADDED = "added"
IGNORED = "ignored"
MISSING_ALLOWED = "missing_allowed"
WIDENING_PROPOSED = "widening_proposed"


@dataclass(frozen=True)
class NewColumn:
    """A file column an ``evolve`` import adds: its header, its name in the tables, its logical type."""

    header: str
    name: str
    logical: str


def record(
    bind: Engine | Connection,
    *,
    import_name: str,
    run_id: str | None,
    file_name: str | None,
    action: str,
    columns: Sequence[str],
    detail: str | None = None,
    proposed_ddl: str | None = None,
) -> None:
    """Store one change (in ``bind``'s transaction when it is a connection)."""
    values = {
        "import_name": import_name,
        "run_id": run_id,
        "file_name": (file_name or "")[:1024] or None,
        "action": action,
        "columns": ", ".join(columns),
        "detail": detail,
        "proposed_ddl": proposed_ddl,
    }
    if isinstance(bind, Connection):
        bind.execute(sa.insert(elt_schema_changes).values(**values))
        return
    with bind.begin() as conn:
        conn.execute(sa.insert(elt_schema_changes).values(**values))


def record_pending_add(
    engine: Engine, *, import_name: str, run_id: str, file_name: str, columns: Sequence[NewColumn]
) -> None:
    """The columns an ``evolve`` run will add to the destination when its transform commits."""
    detail = json.dumps([{"header": c.header, "name": c.name, "logical": c.logical} for c in columns])
    record(
        engine,
        import_name=import_name,
        run_id=run_id,
        file_name=file_name,
        action=ADD_PENDING,
        columns=[c.header for c in columns],
        detail=detail,
    )


def pending_adds(conn: Connection, run_id: str, import_name: str) -> list[tuple[int, list[NewColumn]]]:
    """(row id, columns) of this run's ``add_pending`` rows for the import."""
    table = elt_schema_changes
    rows = conn.execute(
        sa.select(table.c.id, table.c.detail)
        .where(table.c.run_id == run_id, table.c.import_name == import_name, table.c.action == ADD_PENDING)
        .order_by(table.c.id)
    ).all()
    return [(row.id, [NewColumn(**item) for item in json.loads(row.detail or "[]")]) for row in rows]


def mark_added(conn: Connection, row_id: int, detail: str) -> None:
    """Inside the transform's transaction: the pending columns are now in the destination."""
    table = elt_schema_changes
    conn.execute(sa.update(table).where(table.c.id == row_id).values(action=ADDED, detail=detail))


def recent(bind: Engine | Connection, import_names: Sequence[str] | None = None, limit: int = 50) -> list[dict]:
    """The newest changes (of ``import_names`` when given), newest first, as plain dicts."""
    table = elt_schema_changes
    query = sa.select(table).order_by(table.c.id.desc()).limit(limit)
    if import_names is not None:
        if not import_names:
            return []
        query = query.where(table.c.import_name.in_(list(import_names)))
    if isinstance(bind, Connection):
        return [dict(row._mapping) for row in bind.execute(query)]
    with bind.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def shown_by_import(bind: Engine | Connection, import_names: Sequence[str], per_import: int = 3) -> dict:
    """import name -> its newest changes as shown on a page: sentence, proposed DDL, UTC time."""
    shown: dict[str, list[dict]] = {}
    for name in import_names:
        for change in recent(bind, [name], limit=per_import):
            when = change.get("recorded_at")
            shown.setdefault(name, []).append(
                {
                    "sentence": describe(change),
                    "proposed_ddl": change.get("proposed_ddl"),
                    "when": f"{when:%Y-%m-%d %H:%M} UTC" if when else None,
                    "action": change.get("action"),
                }
            )
    return shown


def describe(change: dict) -> str:
    """One sentence saying what happened (the proposed DDL, when any, is shown beside it)."""
    columns = change.get("columns") or ""
    file_name = change.get("file_name") or "the file"
    action = change.get("action")
    if action == ADDED:
        return (
            f"{file_name}: new column(s) {columns} added to staging, destination and column mapping ({_types(change)})."
        )
    if action == ADD_PENDING:
        return (
            f"{file_name}: new column(s) {columns} were staged, but the run did not finish, so the destination "
            "is unchanged; the next run adds them."
        )
    if action == IGNORED:
        return f"{file_name}: new column(s) {columns} were not loaded (schema_policy ignore_new)."
    if action == MISSING_ALLOWED:
        return f"{file_name}: lacked column(s) {columns}, loaded as NULL (schema_allow_missing)."
    if action == WIDENING_PROPOSED:
        return (
            f"{file_name}: column(s) {columns} need a wider type; the run failed. {change.get('detail') or ''}".strip()
        )
    return f"{file_name}: {action} {columns}."


def _types(change: dict) -> str:
    try:
        items = json.loads(change.get("detail") or "[]")
        return ", ".join(f"{item['name']} {item['type']}" for item in items)
    except (ValueError, KeyError, TypeError):
        return change.get("detail") or ""
