"""Reading the steward audit log: the history of one row, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db.schema import steward_audit_log


@dataclass(frozen=True)
class AuditEntry:
    """One changed cell: who changed it, when, in which save, from what to what."""

    change_id: str
    changed_by: str
    changed_at: datetime
    action: str
    column_name: str | None
    old_value: str | None
    new_value: str | None


def row_history(engine: Engine, table_name: str, row_key: str, *, limit: int = 500) -> list[AuditEntry]:
    """Every audited change of the row ``row_key`` (as :func:`changes.key_text` writes it) in ``table_name``."""
    log = steward_audit_log
    query = (
        sa.select(
            log.c.change_id,
            log.c.changed_by,
            log.c.changed_at,
            log.c.action,
            log.c.column_name,
            log.c.old_value,
            log.c.new_value,
        )
        .where(sa.func.lower(log.c.table_name) == table_name.lower(), log.c.row_key == row_key)
        .order_by(log.c.changed_at.desc(), log.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [AuditEntry(**row) for row in conn.execute(query).mappings()]
