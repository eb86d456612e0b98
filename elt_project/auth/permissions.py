"""Which pipeline groups a person may see and run, from ``elt_user_permissions``.

The rule, as the product has always had it: a person with rows in the table sees
only the ``pipeline_name`` values listed there; a person with no rows sees every
active pipeline; admins see everything. Front ends call :func:`allowed_pipelines`
on every request that acts, not only when drawing the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.auth.accounts import Account, validate_username
from elt_project.auth.roles import has_role
from elt_project.config.models import PipelineConfig
from elt_project.db import schema
from elt_project.errors import ConfigurationError


def granted_pipelines(engine: Engine, username: str) -> set[str]:
    """The pipeline names listed for ``username`` (empty: no restriction rows)."""
    perms = schema.elt_user_permissions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(perms.c.pipeline_name).where(perms.c.username == username)).scalars()
        return set(rows)


def active_pipelines(engine: Engine) -> set[str]:
    """Every ``pipeline_name`` with at least one active import."""
    configs = schema.elt_pipeline_configs
    with engine.connect() as conn:
        rows = conn.execute(sa.select(configs.c.pipeline_name).where(configs.c.is_active == 1).distinct())
        return {name for name in rows.scalars() if name}


def allowed_pipelines(engine: Engine, account: Account) -> set[str]:
    """The active pipeline groups ``account`` may see and run."""
    active = active_pipelines(engine)
    if has_role(account.role, "admin"):
        return active
    granted = granted_pipelines(engine, account.username)
    return active & granted if granted else active


def grant(engine: Engine, username: str, pipeline_name: str) -> bool:
    """Restrict ``username`` to (also) ``pipeline_name``; False when the row was already there."""
    name = validate_username(username)
    if not pipeline_name.strip():
        raise ConfigurationError("Name the pipeline group to grant, as in elt_pipeline_configs.pipeline_name.")
    if pipeline_name in granted_pipelines(engine, name):
        return False
    with engine.begin() as conn:
        conn.execute(schema.elt_user_permissions.insert().values(username=name, pipeline_name=pipeline_name))
    return True


def revoke(engine: Engine, username: str, pipeline_name: str) -> bool:
    """Remove one grant; False when there was none. Removing the last grant lifts the restriction."""
    perms = schema.elt_user_permissions
    with engine.begin() as conn:
        removed = conn.execute(
            perms.delete().where(perms.c.username == username, perms.c.pipeline_name == pipeline_name)
        ).rowcount
    return bool(removed)


def may_see_pipeline_name(engine: Engine, account: Account, pipeline_name: str) -> bool:
    """True when ``pipeline_name`` is one of ``account``'s groups, whether or not it is active now.

    Front ends use it to tell "not yours" (refused) from "yours but switched off
    since the page was drawn" (reported, while the other imports go ahead).
    """
    if has_role(account.role, "admin"):
        return True
    granted = granted_pipelines(engine, account.username)
    return pipeline_name in granted if granted else True


@dataclass
class RunnableImports:
    """The outcome of checking a list of import names against one account."""

    configs: list[PipelineConfig] = field(default_factory=list)
    #: name -> why it cannot run although it is the account's (switched off, invalid row)
    unavailable: dict[str, str] = field(default_factory=dict)
    forbidden: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def runnable_imports(engine: Engine, account: Account, names: list[str]) -> RunnableImports:
    """Sort ``names`` into runnable configs, the account's but unavailable, not theirs, and unknown."""
    from elt_project.config.repository import validate_config_rows

    configs = schema.elt_pipeline_configs
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(configs).where(configs.c.import_name.in_(names)))]
    by_name = {row["import_name"]: row for row in rows}
    active = active_pipelines(engine)
    result = RunnableImports()
    for name in names:
        row = by_name.get(name)
        if row is None:
            result.unknown.append(name)
        elif not may_see_pipeline_name(engine, account, row["pipeline_name"]):
            result.forbidden.append(name)
        elif not row["is_active"] or row["pipeline_name"] not in active:
            result.unavailable[name] = f"Import '{name}' has been switched off; it was not started."
        else:
            valid, problems = validate_config_rows([row])
            if valid:
                result.configs.append(valid[0])
            else:
                result.unavailable[name] = (
                    f"Import '{name}' has a configuration problem ({problems[0].column}); "
                    "ask an administrator to fix its row."
                )
    return result
