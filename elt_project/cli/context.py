"""Building settings and the engine once per CLI invocation."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from elt_project.auth.accounts import Account, get_account
from elt_project.db.engine import create_warehouse_engine
from elt_project.errors import ConfigurationError
from elt_project.settings import Settings, load_settings


def cli_settings() -> Settings:
    return load_settings()


def cli_engine(settings: Settings, *, check: bool = True) -> Engine:
    """The warehouse engine; with ``check`` a dead warehouse is one clear line."""
    return create_warehouse_engine(settings.warehouse_url(), check=check)


def cli_account(engine: Engine, username: str | None) -> Account | None:
    """The account an ``--as USER`` option names (None without one: the warehouse owner's view)."""
    if username is None:
        return None
    account = get_account(engine, username)
    if account is None or not account.is_active:
        raise ConfigurationError(f"There is no active user named '{username}'; see `python3 launch.py elt user list`.")
    return account
