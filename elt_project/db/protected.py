"""Tables no analyst may read: the metadata tables and anything credential-like.

One rule, used by the hub (which tables it offers), its read-only connections and the
PostgreSQL reader role's grants. It lives in ``db`` because ``db`` owns the metadata
tables, and because the reader role (``db``) must not import ``analytics``.
"""

from __future__ import annotations

import re

from elt_project.db import schema

_PROTECTED_WORDS = re.compile(r"user|permission|password|credential|secret|token|session|login|auth|role", re.I)


def is_protected(table_name: str) -> bool:
    """True for tables the hub must never read: the metadata tables and anything credential-like."""
    name = table_name.lower()
    return name in schema.metadata.tables or name == "alembic_version" or bool(_PROTECTED_WORDS.search(name))
