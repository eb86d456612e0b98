"""What one person may read in the hub: pipeline grants carried over to tables and run logs.

Grants are given per pipeline group (:mod:`elt_project.auth.permissions`); the data a
person reads is tables and log rows. This module is the one bridge between them, so
every hub page, the CLI's ``--as`` and search answer "may this person see it" alike:

- a table belongs to every pipeline group whose ``elt_pipeline_configs`` rows load it
  (its ``destination_table`` or ``staging_table``); a person reads it when at least
  one of those groups is theirs;
- a table no pipeline loads (a dimension table made by hand, a published view) is
  readable by everyone who reaches the page, as long as an admin published it to the
  hub (the allowed list of :mod:`~elt_project.analytics.hub_config`);
- run, quality, rejected-row and file-ledger rows belong to their import's group;
  rows of imports no config names any more are shown to admins and to accounts
  without grant rows (who saw them before grants existed), not to granted accounts;
- no grant rows means every active group (the product's long-standing rule), and
  admins see everything. ``account=None`` is the warehouse owner (the command line
  without ``--as``) and sees what an admin sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics import hub_config
from elt_project.auth import permissions
from elt_project.auth.accounts import Account
from elt_project.auth.roles import has_role
from elt_project.db import schema


@dataclass(frozen=True)
class Scope:
    """One person's view: ``None`` in a field means unrestricted."""

    pipelines: frozenset[str] | None
    #: Imports the person may see; None: any import not in ``hidden_imports``.
    imports: frozenset[str] | None
    hidden_tables: frozenset[str]
    hidden_imports: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return self.pipelines is None

    def may_read_table(self, name: str) -> bool:
        return name.lower() not in self.hidden_tables

    def may_see_import(self, import_name: str | None) -> bool:
        if self.imports is not None:
            return import_name in self.imports
        return import_name not in self.hidden_imports

    def import_filter(self, column: sa.ColumnElement) -> list[sa.ColumnElement]:
        """SQL conditions keeping only rows of the imports this person may see (none when unrestricted)."""
        if self.imports is not None:
            return [column.in_(sorted(self.imports))]
        if self.hidden_imports:
            return [sa.or_(column.is_(None), column.not_in(sorted(self.hidden_imports)))]
        return []


def _is_unrestricted(account: Account | None) -> bool:
    return account is None or has_role(account.role, "admin")


def table_owners(engine: Engine) -> dict[str, set[str]]:
    """Lower-cased table name -> the pipeline groups that load it (staging or destination)."""
    configs = schema.elt_pipeline_configs
    owners: dict[str, set[str]] = {}
    query = sa.select(configs.c.pipeline_name, configs.c.staging_table, configs.c.destination_table)
    with engine.connect() as conn:
        for pipeline, staging, destination in conn.execute(query):
            for name in (staging, destination):
                if name:
                    owners.setdefault(name.lower(), set()).add(pipeline)
    return owners


def scope_for(engine: Engine, account: Account | None) -> Scope:
    """What ``account`` may see, worked out once per page run."""
    if _is_unrestricted(account):
        return Scope(pipelines=None, imports=None, hidden_tables=frozenset())
    permitted = permissions.allowed_pipelines(engine, account)
    granted = bool(permissions.granted_pipelines(engine, account.username))
    configs = schema.elt_pipeline_configs
    with engine.connect() as conn:
        rows = conn.execute(sa.select(configs.c.pipeline_name, configs.c.import_name)).all()
    own = frozenset(name for pipeline, name in rows if pipeline in permitted)
    hidden = frozenset(name for name, groups in table_owners(engine).items() if not groups & permitted)
    return Scope(
        pipelines=frozenset(permitted),
        imports=own if granted else None,
        hidden_tables=hidden,
        hidden_imports=frozenset(name for _pipeline, name in rows if name not in own),
    )


def readable_tables(engine: Engine, account: Account | None, scope: Scope | None = None) -> set[str]:
    """The hub-published tables ``account`` may read: questions, SQL, stories, dashboards, models."""
    scope = scope or scope_for(engine, account)
    return {name for name in hub_config.allowed_tables(engine) if scope.may_read_table(name)}


def may_read_table(engine: Engine, account: Account | None, name: str) -> bool:
    """True when ``name`` is one of :func:`readable_tables` (for checks at the moment of acting)."""
    return name in readable_tables(engine, account)
