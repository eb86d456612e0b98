"""The business glossary: words of the business an admin defines once for Ask.

A term maps to one of three things on one table:

- ``column``: another name for a column ("turnover" → ``amount``);
- ``filter``: a condition ("cancelled" → ``shipped_at IS NULL``);
- ``expression``: an aggregate ("revenue" → ``SUM(amount)``).

Why stored, not coded: what "cancelled" means is the warehouse's business, not the
parser's. Filters and expressions are SQL written by an admin, so each is checked by
:mod:`~elt_project.analytics.sql_safety` (the same allow-list as any question's SQL) and
tried once read-only before it is saved; the answer's SQL is checked again before it runs.
The built-in parser applies the terms; the language model gets them as context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.readonly import QueryFailed, run_readonly
from elt_project.analytics.sql_safety import UnsafeQuery, check_query
from elt_project.db.schema import analytics_glossary
from elt_project.errors import ConfigurationError

KINDS = ("column", "filter", "expression")
_TERM = re.compile(r"[a-z][a-z0-9]*(?: [a-z0-9]+){0,3}")


@dataclass(frozen=True)
class Term:
    term: str
    kind: str
    table: str
    definition: str


def _has_table(engine: Engine) -> bool:
    return sa.inspect(engine).has_table(analytics_glossary.name)


def list_terms(engine: Engine) -> list[Term]:
    """Every term, longest first (so "net revenue" is read before "revenue"); none before migration."""
    if not _has_table(engine):
        return []
    g = analytics_glossary.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(g.term, g.kind, g.table_name, g.definition)).all()
    return sorted((Term(*row) for row in rows), key=lambda t: (-len(t.term), t.term))


def _check(engine: Engine, term: str, kind: str, table: str, definition: str, allowed: set[str]) -> None:
    if not _TERM.fullmatch(term):
        raise ConfigurationError(f"'{term}' is not a usable term; use one to four lower-case words.")
    if kind not in KINDS:
        raise ConfigurationError(f"Kind '{kind}' is unknown; use one of {', '.join(KINDS)}.")
    if table not in allowed:
        raise ConfigurationError(f"Table '{table}' is not open to Ask; choose one of the tables the hub may read.")
    if kind == "column":
        names = {c["name"] for c in sa.inspect(engine).get_columns(table)}
        if definition not in names:
            raise ConfigurationError(f"{table} has no column '{definition}'; pick one of {', '.join(sorted(names))}.")
        return
    quoted = engine.dialect.identifier_preparer.quote(table)
    sql = f"SELECT {definition} FROM {quoted}" if kind == "expression" else f"SELECT 1 FROM {quoted} WHERE {definition}"  # noqa: S608 — the definition is parsed and refused by check_query before it runs; the table is dialect-quoted
    try:
        checked = check_query(sql, dialect_name=engine.dialect.name, allowed_tables=allowed, row_limit=1)
        run_readonly(engine, checked.sql, max_rows=1)
    except (UnsafeQuery, QueryFailed) as exc:
        raise ConfigurationError(f"The {kind} '{definition}' cannot be used: {exc}") from None


def add_term(
    engine: Engine, term: str, kind: str, table: str, definition: str, *, allowed: set[str], by: str | None = None
) -> Term:
    """Check and save a term (replacing one of the same name); :class:`ConfigurationError` says what is wrong."""
    term, kind, definition = term.strip().lower(), kind.strip().lower(), definition.strip().rstrip(";")
    _check(engine, term, kind, table, definition, allowed)
    g = analytics_glossary.c
    with engine.begin() as conn:
        conn.execute(analytics_glossary.delete().where(g.term == term))
        conn.execute(
            analytics_glossary.insert().values(
                term=term, kind=kind, table_name=table, definition=definition, created_by=by
            )
        )
    return Term(term, kind, table, definition)


def remove_term(engine: Engine, term: str) -> bool:
    with engine.begin() as conn:
        removed = conn.execute(analytics_glossary.delete().where(analytics_glossary.c.term == term.strip().lower()))
    return bool(removed.rowcount)


def describe(terms: list[Term]) -> str:
    """The glossary as lines for a language model's prompt."""
    return "\n".join(f"- '{t.term}' means the {t.kind} {t.definition} on table {t.table}" for t in terms)
