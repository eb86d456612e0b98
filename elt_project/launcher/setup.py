"""Step 6 of a start: the warehouse, the demo, the monitored folders, the first admin, Dagster's home."""

from __future__ import annotations

import importlib
import os
import secrets
import warnings
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from elt_project.config.repository import load_pipeline_configs
from elt_project.db import schema
from elt_project.db.dialect_traits import traits
from elt_project.db.migrate import upgrade
from elt_project.db.reader_role import ensure_reader_role
from elt_project.errors import ConfigurationError
from elt_project.ingest.paths import native_path
from elt_project.launcher.configure import Prompter
from elt_project.settings import Settings, project_root

FIRST_ADMIN_NAME = "admin"


def prepare_warehouse(engine: Engine, settings: Settings, *, demo: bool) -> list[str]:
    """Migrate the metadata tables; on an empty embedded warehouse, install the demo.

    Returns human-readable lines describing what was done.
    """
    upgrade(engine)
    lines = [f"warehouse {settings.describe_warehouse()} is up to date"]
    if traits(engine.dialect).has_reader_role:
        lines.append(ensure_reader_role(engine, settings.hub_reader_role).message)
    if demo and traits(engine.dialect).embedded and _has_no_pipelines(engine):
        from elt_project.analytics.search.freshness import refresh_when_landed
        from elt_project.demo.install import install_demo

        report = install_demo(engine, settings)
        lines += [f"demo: {line}" for line in report.lines()]
        indexed = refresh_when_landed(engine, settings, None)  # built now, so the first search only ranks
        if indexed is not None:
            lines.append(f"demo: {indexed.summary()}")
    return lines


def _has_no_pipelines(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(schema.elt_pipeline_configs)).scalar() == 0


def create_monitored_folders(engine: Engine) -> list[Path]:
    """Create every folder an active import watches, so a sensor never reports a missing one.

    Returns the folders that had to be created. A folder that cannot be created (a
    drive that is not there) is named in one sentence.
    """
    configs, _problems = load_pipeline_configs(engine)
    created: list[Path] = []
    for config in configs:
        if not config.reads_monitored_folder:
            continue
        folder = native_path(str(config.monitored_directory).strip())
        if folder.is_dir():
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot create the monitored folder '{folder}' of import '{config.import_name}' "
                f"({exc.strerror}); fix monitored_directory or create the folder by hand."
            ) from None
        created.append(folder)
    return created


def _accounts_module():
    """The accounts module when this installation has it, else None.

    Only a module inside this copy of the package counts: an older copy must not pick
    up another installation's accounts module, whose tables it has not migrated.
    """
    try:
        module = importlib.import_module("elt_project.auth.accounts")
    except ImportError:
        return None
    package = Path(importlib.import_module("elt_project").__file__).resolve().parent
    return module if Path(module.__file__).resolve().is_relative_to(package) else None


def ensure_first_admin(engine: Engine, *, interactive: bool, prompter: Prompter | None = None) -> list[str]:
    """Create the Data Importer page's first administrator when the warehouse has none.

    On a terminal the name and password are asked; otherwise a generated password is
    generated and shown once, on the console only.
    """
    accounts = _accounts_module()
    if accounts is None:
        return ["no accounts module in this installation; the Data Importer page has no logins to create"]
    if accounts.has_any_admin(engine):
        return ["an administrator account exists"]
    if interactive:
        prompter = prompter or Prompter()
        name = prompter.ask(f"      First administrator of the Data Importer page [{FIRST_ADMIN_NAME}]: ").strip()
        name = name or FIRST_ADMIN_NAME
        while True:
            password = prompter.ask_secret("      Password (at least 8 characters, not shown): ")
            if prompter.ask_secret("      The same password again: ") != password:
                prompter.say("      The two passwords differ; again.")
                continue
            try:
                accounts.create_user(engine, name, password, role="admin")
            except ConfigurationError as exc:
                prompter.say(f"      {exc}")
                continue
            return [f"administrator '{name}' created"]
    password = secrets.token_urlsafe(12)
    accounts.create_user(engine, FIRST_ADMIN_NAME, password, role="admin")
    return [
        f"administrator '{FIRST_ADMIN_NAME}' created with the password: {password}",
        "write it down now, it is not shown again; choose your own with "
        f"`python3 launch.py elt user passwd {FIRST_ADMIN_NAME}`",
    ]


#: The environment variable Dagster's processes read the storage URL from (see POSTGRES_STORAGE).
STORAGE_ENV = "DAGSTER_STORAGE_URL"
#: Appended to the project's ``dagster.yaml`` when DAGSTER_STORAGE_URL is set (the scale-out deployment).
#: The URL is read from the environment, so its password never lands in a file.
POSTGRES_STORAGE = """
# Written by the launcher because DAGSTER_STORAGE_URL is set: runs, event logs and schedules live in
# that PostgreSQL database, which every Dagster process reads from its environment (docs/orchestration.md,
# "Scale-out deployment"). Unset it and the next start goes back to SQLite files in this folder.
storage:
  postgres:
    postgres_url:
      env: DAGSTER_STORAGE_URL
"""


def instance_config_text(settings: Settings) -> str:
    """The ``dagster.yaml`` the launcher installs: the project's template, plus PostgreSQL storage when set."""
    text = (project_root() / "dagster.yaml").read_text()
    return text + POSTGRES_STORAGE if settings.dagster_storage() else text


def prepare_dagster_home(settings: Settings) -> tuple[Path, str]:
    """Create the persistent Dagster home and install the project's ``dagster.yaml`` in it.

    A persistent home matters: a temporary one loses run history, sensor cursors and
    run keys, so sensors would fire again on old files. A home an administrator chose
    with ``DAGSTER_HOME`` keeps its own ``dagster.yaml``; only a missing one is filled in.
    Returns the home and a line saying which instance config is used.
    """
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    own = settings.dagster_home_dir is not None and target.exists()
    if not own and (project_root() / "dagster.yaml").is_file():
        text = instance_config_text(settings)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
    if not own and settings.dagster_storage():
        create_postgres_storage(home, settings)
        return home, f"Dagster home {home}, its storage in PostgreSQL (DAGSTER_STORAGE_URL)"
    # Also under an administrator's own dagster.yaml: its SQLite storage is just as new on the first start.
    created = " (instance storage created)" if create_dagster_storage(home) else ""
    if own:
        return home, f"DAGSTER_HOME {home} (its own dagster.yaml){created}"
    origin = "DAGSTER_HOME" if settings.dagster_home_dir is not None else "Dagster home"
    return home, f"{origin} {home}{created}"


def create_postgres_storage(home: Path, settings: Settings) -> None:
    """Create (or migrate) Dagster's tables in DAGSTER_STORAGE_URL's database before any service starts.

    The webserver and the daemon start together; one process creating the tables first
    spares them the race, as for SQLite below. A database that cannot be reached is one sentence.
    """
    with warnings.catch_warnings():  # Dagster's import-time notices belong in no console
        warnings.simplefilter("ignore")
        from dagster import DagsterInstance

        previous = os.environ.get(STORAGE_ENV)
        os.environ[STORAGE_ENV] = settings.dagster_storage() or ""
        try:
            with DagsterInstance.from_config(str(home)) as instance:
                instance.get_runs(limit=1)
        except Exception:  # the driver's message would name the server and login
            raise ConfigurationError(
                "Dagster's PostgreSQL storage (DAGSTER_STORAGE_URL) cannot be reached or created; "
                "check the server, the database and the login in .env."
            ) from None
        finally:
            if previous is None:
                os.environ.pop(STORAGE_ENV, None)
            else:
                os.environ[STORAGE_ENV] = previous


def create_dagster_storage(home: Path) -> bool:
    """Create a new home's instance storage (run, event log and schedule databases) once.

    The webserver and the daemon start at the same moment; on a home without storage
    both would create it, and two processes stamping the same new SQLite database leave
    it with two schema versions, which neither can open afterwards. Returns True when it
    created the storage. An administrator's own storage (e.g. PostgreSQL) is left alone.
    """
    config_file = home / "dagster.yaml"
    config = (yaml.safe_load(config_file.read_text()) if config_file.is_file() else None) or {}
    if (home / "history" / "runs.db").exists() or {"storage", "run_storage"} & set(config):
        return False
    with warnings.catch_warnings():  # Dagster's import-time notices belong in no console
        warnings.simplefilter("ignore")
        from dagster import DagsterInstance

        with DagsterInstance.from_config(str(home)) as instance:
            instance.get_runs(limit=1)
    return True
