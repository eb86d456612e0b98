"""The connection URLs the settings stand for: the warehouse's and Dagster's storage.

Kept apart from :mod:`elt_project.settings` (the fields and where they are read from)
because building a URL has rules of its own: a SQL Server login comes from the OS
keyring before ``.env``, and no error message may echo a URL, since it can hold a
password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy.engine import URL, make_url

from elt_project.errors import ConfigurationError
from elt_project.settings_sources import keyring_login


class WarehouseFields(Protocol):
    """The settings a warehouse URL is built from (:class:`elt_project.settings.Settings` has them all)."""

    database_url: SecretStr | None
    db_server: str | None
    db_database: str | None
    db_username: str | None
    db_password: SecretStr | None
    db_driver: str
    db_trust_server_certificate: bool
    credential_target: str
    data_dir: Path


def dagster_storage(storage_url: SecretStr | None) -> str | None:
    """The URL Dagster's PostgreSQL storage connects with, or None for SQLite files in the Dagster home.

    dagster-postgres brings psycopg2, while SQLAlchemy 2 reads a bare ``postgresql://``
    as psycopg 3: a URL without a driver gets ``+psycopg2``, so it works whichever is installed.
    """
    if storage_url is None:
        return None
    try:
        url = make_url(storage_url.get_secret_value())
    except Exception:  # the library's message would echo the raw URL, password included
        url = None
    if url is None or url.get_backend_name() not in ("postgresql", "postgres"):
        raise ConfigurationError(
            "DAGSTER_STORAGE_URL must be a PostgreSQL URL of the form "
            "postgresql://user:password@host:5432/database; fix it in .env."
        )
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def warehouse_url(settings: WarehouseFields) -> URL:
    """DATABASE_URL when set, else SQL Server when DB_SERVER is, else the embedded SQLite file."""
    if settings.database_url is not None:
        try:
            return make_url(settings.database_url.get_secret_value())
        except Exception:  # the library's message would echo the raw URL, password included
            raise ConfigurationError(
                "DATABASE_URL is not a valid SQLAlchemy URL; use the form dialect+driver://user:password@host/database."
            ) from None
    if settings.db_server:
        return _mssql_url(settings)
    return URL.create("sqlite", database=str(settings.data_dir / "warehouse.db"))


def _mssql_url(settings: WarehouseFields) -> URL:
    """SQL Server through pyodbc; the login from the keyring entry CREDENTIAL_TARGET, else from .env."""
    if not settings.db_database:
        raise ConfigurationError("DB_SERVER is set but DB_DATABASE is empty; set DB_DATABASE in .env.")
    username, password = keyring_login(settings.credential_target)
    if username is None:
        username = settings.db_username
        password = settings.db_password.get_secret_value() if settings.db_password else None
    if not username or password is None:
        raise ConfigurationError(
            f"No SQL Server login found: add a keyring entry named '{settings.credential_target}' "
            "(CREDENTIAL_TARGET) or set DB_USERNAME and DB_PASSWORD in .env."
        )
    query = {"driver": settings.db_driver.strip("{}")}
    if settings.db_trust_server_certificate:
        query["TrustServerCertificate"] = "yes"
    return URL.create(
        "mssql+pyodbc",
        username=username,
        password=password,
        host=settings.db_server,
        database=settings.db_database,
        query=query,
    )
