"""``elt user ...``: accounts for the Data Importer page and the Analytics Hub.

Passwords are never taken as arguments (they would land in shell history and in
``ps``): they are asked at a prompt, or read as two lines of standard input when it
is not a terminal, so scripts can pipe them in.
"""

from __future__ import annotations

import sys

import click

from elt_project.auth import accounts, permissions
from elt_project.auth.roles import ROLES
from elt_project.cli.context import cli_engine, cli_settings
from elt_project.errors import ConfigurationError


def read_new_password() -> str:
    """A new password typed twice: at a hidden prompt on a terminal, else two lines of stdin."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    first = sys.stdin.readline().rstrip("\r\n")
    second = sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise ConfigurationError("No password was given; pipe the password twice, one per line, on standard input.")
    if first != second:
        raise ConfigurationError("The two passwords differ; give the same password on both lines.")
    return first


@click.group("user")
def user_group() -> None:
    """Accounts and roles (user < analyst < steward < admin) and pipeline permissions."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="user", show_default=True, help="Rung of the role ladder.")
def user_add(username: str, role: str) -> None:
    """Create an account; the password is asked for (or read twice from stdin)."""
    engine = cli_engine(cli_settings())
    password = read_new_password()
    account = accounts.create_user(engine, username, password, role)
    click.echo(f"User '{account.username}' created with role {account.role}.")


@user_group.command("passwd")
@click.argument("username")
def user_passwd(username: str) -> None:
    """Set a new password for an account."""
    engine = cli_engine(cli_settings())
    if accounts.get_account(engine, username) is None:
        raise ConfigurationError(f"There is no user named '{username}'; see `python3 launch.py elt user list`.")
    accounts.set_password(engine, username, read_new_password())
    click.echo(f"Password of '{username}' changed.")


@user_group.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def user_role(username: str, role: str) -> None:
    """Move an account to another role."""
    accounts.set_role(cli_engine(cli_settings()), username, role)
    click.echo(f"User '{username}' now has role {role}.")


@user_group.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Stop an account from logging in (its history stays)."""
    accounts.set_active(cli_engine(cli_settings()), username, False)
    click.echo(f"User '{username}' disabled.")


@user_group.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """Let a disabled account log in again."""
    accounts.set_active(cli_engine(cli_settings()), username, True)
    click.echo(f"User '{username}' enabled.")


@user_group.command("list")
def user_list() -> None:
    """Every account with its role, state and pipeline restrictions."""
    engine = cli_engine(cli_settings())
    users = accounts.list_users(engine)
    if not users:
        click.echo("No users yet; create one with `python3 launch.py elt user add NAME --role admin`.")
        return
    for account in users:
        granted = sorted(permissions.granted_pipelines(engine, account.username))
        scope = "all pipelines" if account.role == "admin" or not granted else ", ".join(granted)
        state = "active" if account.is_active else "disabled"
        click.echo(f"{account.username:<24} {account.role:<8} {state:<8} {scope}")


@user_group.command("grant")
@click.argument("username")
@click.argument("pipeline_name")
def user_grant(username: str, pipeline_name: str) -> None:
    """Restrict a user to the listed pipeline groups (adds one; a user with none sees all)."""
    added = permissions.grant(cli_engine(cli_settings()), username, pipeline_name)
    click.echo(f"'{username}' may use '{pipeline_name}'." if added else f"'{username}' already had '{pipeline_name}'.")


@user_group.command("revoke")
@click.argument("username")
@click.argument("pipeline_name")
def user_revoke(username: str, pipeline_name: str) -> None:
    """Remove one pipeline grant; removing the last one lets the user see every pipeline again."""
    removed = permissions.revoke(cli_engine(cli_settings()), username, pipeline_name)
    click.echo(f"Removed '{pipeline_name}' from '{username}'." if removed else "There was no such grant.")


COMMANDS = [user_group]
