"""Desktop mode: the person at this PC is the database login held in the credential store.

This is how the product has always identified its users on a single PC: the
login saved once in the OS credential store (Windows Credential Manager, entry
``CREDENTIAL_TARGET``) is who you are, and ``elt_user_permissions.username``
matches it. There is no password prompt, so the mode is only allowed when the
page listens on loopback: anyone who can reach the port is that person.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from elt_project.auth.accounts import Account, get_account
from elt_project.errors import ConfigurationError
from elt_project.settings import Settings, stored_login_name

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def check_desktop_bind(settings: Settings) -> None:
    """Refuse desktop mode on any address other than loopback."""
    if settings.runner_auth == "desktop" and settings.bind_host not in LOOPBACK_HOSTS:
        raise ConfigurationError(
            f"RUNNER_AUTH=desktop needs BIND_HOST=127.0.0.1 (it is {settings.bind_host}); "
            "use RUNNER_AUTH=accounts when other computers reach the page."
        )


def desktop_login_name(settings: Settings, lookup: Callable[[str], str | None] = stored_login_name) -> str:
    """The database login of this PC: the credential store first, then DB_USERNAME."""
    name = lookup(settings.credential_target) or settings.db_username
    if not name:
        raise ConfigurationError(
            f"No database login is stored under '{settings.credential_target}'; add it as a generic "
            "credential in Windows Credential Manager (or set DB_USERNAME), then reload this page."
        )
    return name.strip()


def desktop_account(
    engine: Engine, settings: Settings, lookup: Callable[[str], str | None] = stored_login_name
) -> Account | None:
    """The person of desktop mode, or None when their account exists and is disabled.

    A login with an ``elt_users`` row takes that row's role; one without is a
    plain ``user``, whose pipelines ``elt_user_permissions`` decides as usual.
    """
    check_desktop_bind(settings)
    name = desktop_login_name(settings, lookup)
    account = get_account(engine, name)
    if account is None:
        return Account(username=name, role="user")
    return account if account.is_active else None
