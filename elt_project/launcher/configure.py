"""Steps 4 and 5 of a start: the ``.env`` file and the database login.

Questions are asked only on a terminal (stdin and stdout both a TTY) and only once:
the warehouse question when ``.env`` is first created, the login when the keyring has
none. Without a terminal nothing ever waits for an answer, so services, schedulers and
tests start unattended. The password goes to the OS keyring, never into ``.env``.
"""

from __future__ import annotations

import getpass
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dotenv import set_key

from elt_project.private_files import private_file
from elt_project.settings import KEYRING_USERNAME_KEY, Settings, keyring_login, load_settings, project_root


def is_interactive() -> bool:
    """True when a person can answer: both ends of the console are a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@dataclass
class Prompter:
    """Where questions are asked; tests and terminals both pass through ``input``/``getpass``."""

    ask: Callable[[str], str] = input
    ask_secret: Callable[[str], str] = getpass.getpass
    say: Callable[[str], None] = print


def prepare_env_file(
    home: Path, *, interactive: bool, prompter: Prompter | None = None, example: Path | None = None
) -> list[str]:
    """Create the home folder's ``.env`` from ``.env.example`` on the first run; on a terminal, ask for the warehouse.

    The example is the home's own, else the one shipped beside the code. Returns the lines that
    say what was done. An existing ``.env`` is never rewritten.
    """
    env_file = home / ".env"
    if example is None:
        example = home / ".env.example"
        example = example if example.is_file() else project_root() / ".env.example"
    if env_file.exists():
        return [f"using {env_file.name}"]
    private_file(env_file)  # owner-only before anything is written into it
    if example.is_file():
        shutil.copyfile(example, env_file)
    else:
        env_file.write_text("# Settings of this installation; see the product documentation.\n")
    lines = [f"{env_file.name} created from {example.name}"]
    named = load_settings(env_file=env_file)  # the environment's warehouse, the new .env being all comments
    if named.database_url is not None or named.db_server:
        return lines + ["warehouse named by DATABASE_URL or DB_SERVER in the environment"]
    if not interactive:
        return lines + ["embedded warehouse (SQLite); edit .env to use a database server"]
    prompter = prompter or Prompter()
    answer = prompter.ask("      Use the embedded warehouse (SQLite, nothing to install)? [Y/n] ").strip().lower()
    if answer in ("", "y", "yes"):
        return lines + ["embedded warehouse (SQLite)"]
    server = ""
    while not server:
        server = prompter.ask("      Database Server (e.g. sqlprod01.example.com): ").strip()
    database = ""
    while not database:
        database = prompter.ask("      Database Name (e.g. DataPipelineDB): ").strip()
    set_key(env_file, "DB_SERVER", server, quote_mode="never")
    set_key(env_file, "DB_DATABASE", database, quote_mode="never")
    return lines + [f"database server {server}, database {database} saved in .env"]


def manual_credential_steps(target: str) -> list[str]:
    """How to add the login by hand in Windows Credential Manager (when the keyring cannot)."""
    return [
        "Add the login by hand in Windows Credential Manager:",
        "  1. Start menu: type Credential Manager and open it; choose Windows Credentials.",
        "  2. Click 'Add a generic credential'.",
        f"  3. Internet or network address: {target}   (exactly; it is CREDENTIAL_TARGET in .env)",
        "  4. User name and Password: the database login. Click OK, then start again.",
    ]


def store_login(target: str, username: str, password: str) -> None:
    """Save the login in the OS keyring under ``target``; raises keyring's error when it cannot.

    On Windows this is a generic credential named ``target``. The user name is also
    recorded under a fixed key, so keyrings that look entries up by name find it again.
    """
    import keyring

    keyring.set_password(target, username, password)
    if sys.platform != "win32":
        keyring.set_password(target, KEYRING_USERNAME_KEY, username)


def ensure_login(settings: Settings, *, interactive: bool, prompter: Prompter | None = None) -> list[str]:
    """For a server warehouse, make sure a login is found; on a terminal ask once and store it."""
    if settings.database_url is not None:
        return ["not needed (DATABASE_URL names the warehouse and its login)"]
    if not settings.db_server:
        return ["not needed (embedded warehouse)"]
    target = settings.credential_target
    username, password = keyring_login(target)
    if username and password is not None:
        return [f"found in the keyring entry '{target}' (user {username})"]
    if settings.db_username and settings.db_password is not None:
        return [f"using DB_USERNAME from .env; the keyring entry '{target}' would keep the password out of files"]
    if not interactive:
        return [f"WARNING: no login in the keyring entry '{target}'", *manual_credential_steps(target)]
    prompter = prompter or Prompter()
    username = ""
    while not username:
        username = prompter.ask(f"      Database user name for {settings.db_server}: ").strip()
    password = prompter.ask_secret("      Password (not shown): ")
    try:
        store_login(target, username, password)
    except Exception as exc:  # any backend failure leaves the manual route, which always works
        return [
            f"WARNING: the keyring could not store the login ({type(exc).__name__})",
            *manual_credential_steps(target),
        ]
    return [f"saved in the keyring entry '{target}' (user {username}); you will not be asked again"]
