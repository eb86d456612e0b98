"""Accounts in ``elt_users``: create, change, disable, list and authenticate.

Passwords are stored only as werkzeug hashes (scrypt), never reversibly. Checking a
name that does not exist still spends the time of one hash check, so response time
does not reveal which names exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from werkzeug.security import check_password_hash, generate_password_hash

from elt_project.auth.roles import parse_role
from elt_project.db import schema
from elt_project.errors import ConfigurationError

#: Shorter passwords are refused when an account is created or its password changed.
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@\\-]{0,127}$")
#: Checked against when the name is unknown, so both paths cost one scrypt verification.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass(frozen=True)
class Account:
    """A person as the front ends see them; never carries the password hash."""

    username: str
    role: str
    is_active: bool = True


def validate_username(username: str) -> str:
    """The name, stripped, or a clear error: letters, digits and ``_ . @ - \\`` only."""
    name = (username or "").strip()
    if not _USERNAME.match(name):
        raise ConfigurationError(
            f"'{username}' is not a valid user name; use letters, digits and _ . @ - \\ (up to 128 characters)."
        )
    return name


def _validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(f"The password is too short; use at least {MIN_PASSWORD_LENGTH} characters.")


def _row_to_account(row) -> Account:
    return Account(username=row.username, role=row.role, is_active=bool(row.is_active))


def get_account(engine: Engine, username: str) -> Account | None:
    """The account named ``username`` (active or not), or None."""
    users = schema.elt_users
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.username, users.c.role, users.c.is_active).where(users.c.username == username)
        ).first()
    return _row_to_account(row) if row else None


def create_user(engine: Engine, username: str, password: str, role: str = "user") -> Account:
    """Add an active account; refuses a name that is taken, a bad role or a short password."""
    name = validate_username(username)
    role = parse_role(role)
    _validate_password(password)
    if get_account(engine, name) is not None:
        raise ConfigurationError(
            f"A user named '{name}' already exists; use `python3 launch.py elt user passwd {name}` to change it."
        )
    with engine.begin() as conn:
        conn.execute(
            schema.elt_users.insert().values(
                username=name, password_hash=generate_password_hash(password), role=role, is_active=1
            )
        )
    return Account(username=name, role=role)


def _update(engine: Engine, username: str, **values) -> None:
    users = schema.elt_users
    with engine.begin() as conn:
        changed = conn.execute(users.update().where(users.c.username == username).values(**values)).rowcount
    if not changed:
        raise ConfigurationError(f"There is no user named '{username}'; see `python3 launch.py elt user list`.")


def set_password(engine: Engine, username: str, password: str) -> None:
    """Replace the password of an existing account."""
    _validate_password(password)
    _update(engine, username, password_hash=generate_password_hash(password))


def set_role(engine: Engine, username: str, role: str) -> None:
    """Move an existing account to another rung of the ladder."""
    _update(engine, username, role=parse_role(role))


def set_active(engine: Engine, username: str, active: bool) -> None:
    """Disable (or re-enable) an account; a disabled account cannot log in anywhere."""
    _update(engine, username, is_active=1 if active else 0)


def list_users(engine: Engine) -> list[Account]:
    """Every account, by name."""
    users = schema.elt_users
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(users.c.username, users.c.role, users.c.is_active).order_by(users.c.username)
        ).all()
    return [_row_to_account(row) for row in rows]


def has_any_admin(engine: Engine) -> bool:
    """True when at least one active admin exists (the launcher creates the first one)."""
    users = schema.elt_users
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(users.c.id).where(users.c.role == "admin", users.c.is_active == 1).limit(1)
        ).first()
    return found is not None


def authenticate(engine: Engine, username: str, password: str) -> Account | None:
    """The active account whose password matches, or None; the reason is never told apart."""
    users = schema.elt_users
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.username, users.c.role, users.c.is_active, users.c.password_hash).where(
                users.c.username == (username or "").strip()
            )
        ).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(row.password_hash, password or "") or not row.is_active:
        return None
    return _row_to_account(row)
