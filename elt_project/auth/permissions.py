"""Which pipeline groups a person may see and run, from ``elt_user_permissions``.

The rule, as the product has always had it: a person with rows in the table sees
only the ``pipeline_name`` values listed there; a person with no rows sees every
active pipeline; admins see everything. Front ends call :func:`allowed_pipelines`
on every request that acts, not only when drawing the page.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.auth.accounts import Account, validate_username
from elt_project.auth.roles import has_role
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


def may_use_pipeline(engine: Engine, account: Account, pipeline_name: str) -> bool:
    """True when ``account`` may see and run imports of ``pipeline_name``."""
    return pipeline_name in allowed_pipelines(engine, account)


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
