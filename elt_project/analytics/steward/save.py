"""Saving a steward's change set: one transaction, one upsert on the key, audit rows, no surprises.

The order of one save, and why:

1. The person is looked up again and must be an active steward (or admin), and the
   table must be on the allow-list *now*: the check is on the server side of every
   save, whatever the page showed.
2. Every value is coerced to its column's type before the warehouse is touched.
3. In ONE transaction: take the write lock, read the current rows of the changed
   keys, refuse rows that changed since the steward read them (optimistic
   concurrency: nothing is silently overwritten), write the changes into a
   temporary staging table, apply them with one upsert (and one delete for the
   rows marked for deletion), check the table's data-quality rules on the edited
   rows (a FAIL rule refuses the save), and write the audit rows.

A crash anywhere before the commit leaves the table as it was: the database rolls
the open transaction back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.analytics.steward.allowlist import require_allowed
from elt_project.analytics.steward.changes import (
    ANY,
    RowChange,
    ValueProblem,
    check_text,
    coerce,
    display,
    key_text,
    same,
    shown,
)
from elt_project.auth.accounts import get_account
from elt_project.auth.roles import has_role
from elt_project.config.repository import load_quality_rules
from elt_project.db import upsert
from elt_project.db.schema import steward_audit_log
from elt_project.errors import EltError
from elt_project.pipeline import quality

#: Keys looked up per query when reading the current rows.
_LOOKUP_CHUNK = 500
#: The minimum rung of the role ladder that may save.
EDITOR_ROLE = "steward"


class PermissionRefused(EltError):
    """The person may not edit tables."""

    resolution = "Ask an admin to give you the steward role (`python3 launch.py elt user role NAME steward`)."


@dataclass(frozen=True)
class ConflictCell:
    """One column of a refused row, side by side."""

    column: str
    you_saw: str | None
    in_database: str | None
    yours: str | None


@dataclass(frozen=True)
class Conflict:
    """A row whose save was refused, and why."""

    key: str
    reason: str
    cells: tuple[ConflictCell, ...] = ()


class SaveRefused(EltError):
    """The save changed nothing: a row was refused, or a data-quality rule failed."""

    resolution = "Reload the table to see the current values, then make your change again."

    def __init__(self, message: str, *, conflicts: Sequence[Conflict] = ()) -> None:
        super().__init__(message)
        self.conflicts = list(conflicts)


@dataclass
class SaveResult:
    """What one save did."""

    change_id: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    audit_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    refused: list[Conflict] = field(default_factory=list)

    def summary(self, table: str) -> str:
        return (
            f"Saved {table}: {self.updated} updated, {self.inserted} added, {self.deleted} deleted; "
            f"{self.audit_rows} audit rows (change {self.change_id})."
        )


def check_editor(engine: Engine, username: str) -> None:
    """Refuse unless ``username`` is an active account at least at the steward rung."""
    account = get_account(engine, username)
    if account is None or not account.is_active or not has_role(account.role, EDITOR_ROLE):
        raise PermissionRefused(f"'{username}' may not edit tables; only stewards and admins may.")


def apply_changes(
    engine: Engine,
    table_name: str,
    changes: Sequence[RowChange],
    *,
    username: str,
    refuse_all_on_conflict: bool = True,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
) -> SaveResult:
    """Apply ``changes`` to ``table_name`` as ``username``; see the module docstring for the steps.

    With ``refuse_all_on_conflict`` (the CLI) one refused row refuses the whole set
    (:class:`SaveRefused`, nothing changed); without it (the hub) the other rows are
    saved and the refused ones are returned in :attr:`SaveResult.refused`.
    """
    check_editor(engine, username)
    table = require_allowed(engine, table_name)
    keys = [c.name for c in table.primary_key.columns]
    typed = [_typed(table, keys, change) for change in changes]
    _refuse_duplicate_keys(typed)
    result = SaveResult(change_id=str(uuid.uuid4()))
    if not typed:
        return result
    try:
        with engine.begin() as conn:
            upsert.begin_write(conn)
            current = _current_rows(conn, table, keys, [c.key for c in typed])
            planned, refused = _plan(table, typed, current)
            if refused and (refuse_all_on_conflict or not planned):
                raise SaveRefused(_refusal_message(refused), conflicts=refused)
            result.refused = refused
            if planned:
                _write(conn, table, keys, planned, current, result, username, clock())
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise SaveRefused(f"The warehouse refused the save ({reason}); nothing was changed.") from exc
    return result


def _typed(table: sa.Table, keys: list[str], change: RowChange) -> RowChange:
    """The change with every value in its column's type (ValueProblem names the row and column)."""
    where = f"Row {shown(change.key_text())}"
    unknown = [c for c in list(change.values) + list(change.expected) if c not in table.c]
    if unknown:
        raise ValueProblem(f"{where}: table {table.name} has no column {unknown[0]}.")
    if set(change.key) != set(keys):
        raise ValueProblem(f"{where}: give the key columns {', '.join(keys)} and nothing else as the key.")
    key = {k: coerce(change.key[k], table.c[k], where=where) for k in keys}
    if any(v is None for v in key.values()):
        raise ValueProblem(f"{where}: the key may not be empty.")
    values = {c: coerce(v, table.c[c], where=where) for c, v in change.values.items() if c not in keys}
    for column, value in values.items():
        check_text(value, table.c[column], where=where)
    expected = {
        c: (v if v is ANY or v is None else coerce(v, _nullable(table.c[c]), where=f"{where} (expected value)"))
        for c, v in change.expected.items()
        if c not in keys
    }
    return RowChange(key=key, values=values, expected=expected, delete=change.delete, is_new=change.is_new)


def _nullable(column: sa.Column) -> sa.Column:
    copy = column._copy()
    copy.nullable = True
    return copy


def _refuse_duplicate_keys(changes: list[RowChange]) -> None:
    seen: set[str] = set()
    for change in changes:
        text = change.key_text()
        if text in seen:
            raise ValueProblem(f"Row {text} appears twice in the change set; give each row once.")
        seen.add(text)


def _current_rows(conn: Connection, table: sa.Table, keys: list[str], wanted: list[dict]) -> dict[str, dict]:
    """The rows of ``wanted`` keys as they are now (locked on PostgreSQL), by key text."""
    rows: dict[str, dict] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        if len(keys) == 1:
            condition = table.c[keys[0]].in_([k[keys[0]] for k in chunk])
        else:
            condition = sa.or_(*(sa.and_(*(table.c[k] == key[k] for k in keys)) for key in chunk))
        query = upsert.lock_rows(sa.select(table).where(condition), conn.dialect)
        for row in conn.execute(query).mappings():
            found = dict(row)
            rows[key_text({k: found[k] for k in keys})] = found
    return rows


def _plan(table: sa.Table, changes: list[RowChange], current: dict[str, dict]):
    """(changes to write, refused rows): the optimistic check, row by row."""
    planned, refused = [], []
    for change in changes:
        now = current.get(change.key_text())
        conflict = _conflict(table, change, now)
        if conflict is not None:
            refused.append(conflict)
            continue
        if (
            now is not None
            and not change.delete
            and all(same(v, now.get(c), table.c[c]) for c, v in change.values.items())
        ):
            continue  # nothing differs from what is stored
        planned.append(change)
    return planned, refused


def _conflict(table: sa.Table, change: RowChange, now: dict | None) -> Conflict | None:
    key = change.key_text()
    if change.is_new and now is not None:
        return Conflict(
            key, "a row with this key was added by someone else since you opened the table", _cells(table, change, now)
        )
    if now is None and (change.delete or change.expected):
        return Conflict(key, "this row was deleted by someone else since you opened it")
    if now is None:
        return None
    differing = [c for c, v in change.expected.items() if v is not ANY and not same(v, now.get(c), table.c[c])]
    if differing:
        return Conflict(key, "changed by someone else since you opened it", _cells(table, change, now))
    return None


def _cells(table: sa.Table, change: RowChange, now: dict) -> tuple[ConflictCell, ...]:
    columns = [c.name for c in table.columns if c.name in change.values or c.name in change.expected]
    return tuple(
        ConflictCell(
            column=c,
            you_saw=display(change.expected.get(c)) if change.expected.get(c, ANY) is not ANY else None,
            in_database=display(now.get(c)),
            yours=display(change.values[c]) if c in change.values else display(change.expected.get(c)),
        )
        for c in columns
    )


def _refusal_message(refused: list[Conflict]) -> str:
    first = refused[0]
    more = f" (and {len(refused) - 1} more row(s))" if len(refused) > 1 else ""
    return f"Row {first.key} was refused: {first.reason}{more}; nothing was saved."


def _write(conn, table, keys, planned, current, result: SaveResult, username: str, when: datetime) -> None:
    # NOT NULL columns are always staged: the database checks them on the proposed
    # row before it sees the key conflict, so an update row carries its current values.
    touched = [
        c.name
        for c in table.columns
        if c.name not in keys and (not c.nullable or any(c.name in ch.values for ch in planned))
    ]
    columns = keys + touched
    staged, audit = [], []
    for change in planned:
        now = current.get(change.key_text())
        base = {"change_id": result.change_id, "changed_by": username, "changed_at": when}
        base |= {"table_name": table.name, "row_key": change.key_text()}
        if change.delete:
            staged.append({**change.key, **dict.fromkeys(touched), upsert.OP_COLUMN: "D"})
            audit += [
                {**base, "action": "DELETE", "column_name": c, "old_value": display(now.get(c)), "new_value": None}
                for c in (col.name for col in table.columns if col.name not in keys)
            ]
            result.deleted += 1
            continue
        row = {c: (change.values[c] if c in change.values else (now or {}).get(c)) for c in touched}
        staged.append({**change.key, **row, upsert.OP_COLUMN: "U"})
        if now is None:  # a new row: its key becomes an identity others type and read, so it must be clean
            for column, value in change.key.items():
                check_text(value, table.c[column], where=f"Row {shown(change.key_text())}", is_key=True)
            empty = next((c for c in touched if row[c] is None and not table.c[c].nullable), None)
            if empty is not None:
                raise ValueProblem(f"Row {change.key_text()}: the new row needs a value for column {empty}.")
            result.inserted += 1
            audit += [
                {**base, "action": "INSERT", "column_name": c, "old_value": None, "new_value": display(v)}
                for c, v in {**change.key, **change.values}.items()
            ]
        else:
            result.updated += 1
            audit += [
                {
                    **base,
                    "action": "UPDATE",
                    "column_name": c,
                    "old_value": display(now.get(c)),
                    "new_value": display(v),
                }
                for c, v in change.values.items()
                if not same(v, now.get(c), table.c[c])
            ]
    stage = upsert.create_stage(conn, table, columns)
    conn.execute(stage.insert(), staged)
    inserted = upsert.apply_stage(conn, table, stage, keys)
    if inserted is not None:
        _refuse_raced_inserts(planned, current, {key_text(k) for k in inserted})
    result.warnings = _check_rules(conn, table, stage, keys)
    _write_audit(conn, audit)
    upsert.drop_stage(conn, stage)
    result.audit_rows = len(audit)


def _refuse_raced_inserts(planned: list[RowChange], current: dict[str, dict], inserted: set[str]) -> None:
    """A row meant as new that another save added (and committed) meanwhile must not be overwritten."""
    for change in planned:
        text = change.key_text()
        if not change.delete and text not in current and text not in inserted:
            conflict = Conflict(text, "a row with this key was added by someone else since you opened the table")
            raise SaveRefused(_refusal_message([conflict]), conflicts=[conflict])


def _check_rules(conn: Connection, table: sa.Table, stage: sa.Table, keys: list[str]) -> list[str]:
    """Evaluate the table's data-quality rules on the edited rows; a FAIL rule refuses the save."""
    warnings = []
    edited = sa.exists().where(sa.and_(*(stage.c[k] == table.c[k] for k in keys), stage.c[upsert.OP_COLUMN] == "U"))
    for rule in load_quality_rules(conn, table.name):
        condition = quality.rule_condition(conn, table, rule)
        if condition is None:
            continue  # ROW_COUNT_MIN is about loads, not about edited rows
        count = conn.execute(sa.select(sa.func.count()).select_from(table).where(edited, condition)).scalar()
        if not count:
            continue
        message = f"{count} edited row(s) break data-quality rule '{rule.rule_name}' ({rule.check_type})"
        if rule.severity == "FAIL":
            raise SaveRefused(f"The save was refused: {message}; nothing was saved.")
        warnings.append(f"{message}; saved anyway because the rule only warns.")
    return warnings


def _write_audit(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write the audit rows in the save's transaction (they commit or vanish with the change)."""
    if rows:
        conn.execute(steward_audit_log.insert(), rows)
