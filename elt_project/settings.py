"""One typed settings object, built once at the edge and passed down.

Sources, first match wins: explicit keyword arguments, the process environment,
the project's ``.env`` file, then the OS keyring (only for database credentials).
Nothing here runs at import time; call :func:`load_settings` from a CLI command,
an app factory or a Dagster resource.

Secrets (database password, OpenAI key) are held as :class:`pydantic.SecretStr`
so they never appear in ``repr``, logs or error messages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy.engine import URL, make_url

from elt_project.errors import ConfigurationError

DEFAULT_CREDENTIAL_TARGET = "DataLaunchpad/DB_Credentials"
DEFAULT_ODBC_DRIVER = "ODBC Driver 18 for SQL Server"


def project_root() -> Path:
    """The folder holding ``pyproject.toml``: where ``data/``, ``.env`` and ``transforms/`` live."""
    return Path(__file__).resolve().parent.parent


#: Where the Dagster webserver listens: it has no login, so never on a shared interface (docs/orchestration.md).
DAGSTER_HOST = "127.0.0.1"


class Settings(BaseModel):
    """Everything the services need to know about their environment."""

    model_config = ConfigDict(frozen=True)

    database_url: SecretStr | None = Field(
        default=None, description="Any SQLAlchemy URL; wins over DB_SERVER when set."
    )
    db_server: str | None = Field(default=None, description="SQL Server host; selects mssql+pyodbc.")
    db_database: str | None = Field(default=None, description="SQL Server database name.")
    db_driver: str = Field(default=DEFAULT_ODBC_DRIVER, description="ODBC driver name for SQL Server.")
    db_username: str | None = Field(default=None, description="Fallback when the keyring has no entry.")
    db_password: SecretStr | None = Field(default=None, description="Fallback when the keyring has no entry.")
    db_trust_server_certificate: bool = Field(default=False, description="TrustServerCertificate=yes.")
    credential_target: str = Field(
        default=DEFAULT_CREDENTIAL_TARGET, description="Keyring service holding the DB login."
    )
    openai_api_key: SecretStr | None = Field(default=None, description="Enables the AI features.")
    openai_base_url: str | None = Field(default=None, description="Any OpenAI-compatible server (e.g. a local one).")
    openai_model: str = Field(default="gpt-4o-mini", description="Model the hub asks for SQL.")
    analytics_public_url: str | None = Field(default=None, description="Public link to the hub.")
    forecast_horizon_days: int = Field(
        default=30, ge=1, le=3660, description="How many days past the newest data the forecast model predicts."
    )
    hub_reader_role: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$",
        description="PostgreSQL role the hub's and `python3 launch.py elt sql`'s queries run as (SET LOCAL ROLE), "
        "made by `python3 launch.py elt db upgrade`; default a name derived from the database and schema "
        "(roles are cluster-wide).",
    )
    hub_max_value_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest single value a hub answer may hold, in bytes."
    )
    hub_max_answer_bytes: int = Field(
        default=20_000_000, ge=1024, description="Largest whole hub answer (all rows), in bytes."
    )
    analytics_history_days: int | None = Field(
        default=None,
        ge=1,
        le=3653,
        description="How many days back from the newest day the forecast and anomaly models read; default all "
        "(at most 10 years).",
    )
    search_engine: str | None = Field(
        default=None, description="Semantic search engine: embeddings (default), openai or tfidf."
    )
    data_dir: Path = Field(description="Where the embedded warehouse, Dagster home and incoming files live.")
    transforms_dir: Path = Field(description="Folder of SQLite transform scripts (<procedure>.sql).")
    output_dir: Path | None = Field(
        default=None, description="Where generated_sql/ and backups/ are written; default the project folder."
    )
    bind_host: str = Field(default="127.0.0.1", description="Interface every service listens on.")
    runner_port: int = Field(default=3000, description="Data Importer page.")
    dagster_port: int = Field(default=3001, description="Dagster webserver.")
    hub_port: int = Field(default=8501, description="Analytics & AI Hub.")
    monitored_roots: list[Path] = Field(
        default_factory=list,
        description="Folders besides data_dir that imports may watch (ELT_MONITORED_ROOTS, os.pathsep-separated); "
        "an administrator's list, so a config row cannot read or archive files anywhere else.",
    )
    sensor_interval_seconds: int = Field(default=30, description="How often file sensors poll.")
    file_min_age_seconds: int = Field(default=10, description="A file must be unchanged this long.")
    batch_window_seconds: int = Field(default=120, description="Replace-load files batched together.")
    sensors_running_by_default: bool = Field(default=True, description="Sensors start running.")
    recovery_after_seconds: int = Field(
        default=300,
        ge=0,
        description="A file whose run died (or never claimed it) is requested again after this long.",
    )
    recovery_max_attempts: int = Field(
        default=3,
        ge=0,
        description="Automatic re-requests of one file after lost runs; then `python3 launch.py elt retry`.",
    )
    runner_auth: Literal["accounts", "desktop"] = Field(
        default="accounts",
        description="Who uses the Data Importer page: elt_users accounts, or (desktop, loopback only) "
        "the database login held in the credential store.",
    )
    runner_secret_key: SecretStr | None = Field(
        default=None, description="Signs the page's session cookies; generated into a file when unset."
    )
    runner_secret_key_file: Path | None = Field(
        default=None, description="Where the generated session key is kept; default <data dir>/runner_secret_key."
    )
    runner_upload_max_mb: int = Field(default=100, ge=1, description="Largest file the page accepts, in MB.")
    runner_trusted_proxies: str | None = Field(
        default=None,
        description="Addresses (comma-separated) of the reverse proxy in front of the page; only requests "
        "from them have their X-Forwarded-For/-Proto believed. Unset: those headers are ignored.",
    )
    dagster_public_url: str | None = Field(
        default=None,
        description="Dagster UI address for the page's (Dagster) links (admins); default its local address.",
    )
    dagster_home_dir: Path | None = Field(
        default=None, description="DAGSTER_HOME set by an administrator; default <data_dir>/dagster_home."
    )
    dagster_storage_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL of a database of Dagster's own (runs, event logs, schedules) for the scale-out "
        "deployment; default SQLite files in the Dagster home.",
    )
    log_dir: Path = Field(description="Where each service started by the launcher writes its log.")

    @property
    def dagster_url(self) -> str:
        """The Dagster webserver: on loopback whatever BIND_HOST says, since it has no login (an admins' tool)."""
        return f"http://{DAGSTER_HOST}:{self.dagster_port}"

    def service_url(self, port: int) -> str:
        """How one service reaches another listening on ``BIND_HOST:port``: a wildcard bind on loopback."""
        host = self.bind_host
        reachable = "127.0.0.1" if host in ("0.0.0.0", "") else ("localhost" if host == "::" else host)  # noqa: S104 — compares the configured bind host, binds nothing
        return f"http://{reachable}:{port}"

    def monitored_root_folders(self) -> list[Path]:
        """The folders whose contents imports may watch: the data folder, then the ones an administrator listed."""
        return [self.data_dir.resolve(), *(p.resolve() for p in self.monitored_roots)]

    @property
    def secret_key_path(self) -> Path:
        """The file holding the generated session key of the Data Importer page."""
        return self.runner_secret_key_file or self.data_dir / "runner_secret_key"

    @property
    def output_root(self) -> Path:
        """The folder holding generated_sql/ and backups/ (ELT_OUTPUT_DIR, else the project folder)."""
        return self.output_dir or project_root()

    @property
    def dagster_home(self) -> Path:
        """Persistent Dagster home; a temporary one would lose run keys and cursors.

        An administrator's ``DAGSTER_HOME`` wins, so an instance they configured is the one used.
        """
        return self.dagster_home_dir if self.dagster_home_dir is not None else self.data_dir / "dagster_home"

    def dagster_storage(self) -> str | None:
        """The URL Dagster's PostgreSQL storage connects with, or None for SQLite files in the Dagster home.

        dagster-postgres brings psycopg2, while SQLAlchemy 2 reads a bare ``postgresql://``
        as psycopg 3: a URL without a driver gets ``+psycopg2``, so it works whichever is installed.
        """
        if self.dagster_storage_url is None:
            return None
        try:
            url = make_url(self.dagster_storage_url.get_secret_value())
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

    def warehouse_url(self) -> URL:
        """The SQLAlchemy URL of the warehouse, with secrets inside the URL object only."""
        if self.database_url is not None:
            try:
                return make_url(self.database_url.get_secret_value())
            except Exception:  # the library's message would echo the raw URL, password included
                raise ConfigurationError(
                    "DATABASE_URL is not a valid SQLAlchemy URL; use the form "
                    "dialect+driver://user:password@host/database."
                ) from None
        if self.db_server:
            return self._mssql_url()
        return URL.create("sqlite", database=str(self.data_dir / "warehouse.db"))

    def _mssql_url(self) -> URL:
        if not self.db_database:
            raise ConfigurationError("DB_SERVER is set but DB_DATABASE is empty; set DB_DATABASE in .env.")
        username, password = keyring_login(self.credential_target)
        if username is None:
            username = self.db_username
            password = self.db_password.get_secret_value() if self.db_password else None
        if not username or password is None:
            raise ConfigurationError(
                f"No SQL Server login found: add a keyring entry named '{self.credential_target}' "
                "(CREDENTIAL_TARGET) or set DB_USERNAME and DB_PASSWORD in .env."
            )
        query = {"driver": self.db_driver.strip("{}")}
        if self.db_trust_server_certificate:
            query["TrustServerCertificate"] = "yes"
        return URL.create(
            "mssql+pyodbc",
            username=username,
            password=password,
            host=self.db_server,
            database=self.db_database,
            query=query,
        )

    def describe_warehouse(self) -> str:
        """A log-safe description of the warehouse (password hidden)."""
        try:
            return self.warehouse_url().render_as_string(hide_password=True)
        except ConfigurationError as exc:
            return f"<unconfigured: {exc}>"


#: Keyring user name under which the login's user name is recorded, for keyrings that,
#: unlike Windows Credential Manager, cannot look an entry up by its target alone.
KEYRING_USERNAME_KEY = "@username"


def keyring_login(target: str) -> tuple[str | None, str | None]:
    """Read a username/password pair from the OS keyring; (None, None) when unavailable."""
    try:
        import keyring

        credential = keyring.get_credential(target, None)
        if credential is None:
            username = keyring.get_password(target, KEYRING_USERNAME_KEY)
            if username:
                return username, keyring.get_password(target, username)
    except Exception:  # no backend on this OS, locked store: fall back to .env
        return None, None
    if credential is None:
        return None, None
    return credential.username, credential.password


def stored_login_name(target: str) -> str | None:
    """The user name of the keyring entry ``target`` (never its password), or None."""
    return keyring_login(target)[0]


_TRUE = {"1", "true", "yes", "on", "y"}

# Setting name in the environment -> field name.
_ENV_NAMES = {
    "DATABASE_URL": "database_url",
    "DB_SERVER": "db_server",
    "DB_DATABASE": "db_database",
    "DB_DRIVER": "db_driver",
    "DB_USERNAME": "db_username",
    "DB_PASSWORD": "db_password",
    "DB_TRUST_SERVER_CERTIFICATE": "db_trust_server_certificate",
    "CREDENTIAL_TARGET": "credential_target",
    "OPENAI_API_KEY": "openai_api_key",
    "OPENAI_BASE_URL": "openai_base_url",
    "OPENAI_MODEL": "openai_model",
    "ANALYTICS_PUBLIC_URL": "analytics_public_url",
    "FORECAST_HORIZON_DAYS": "forecast_horizon_days",
    "ANALYTICS_HISTORY_DAYS": "analytics_history_days",
    "ELT_SEARCH_ENGINE": "search_engine",
    "HUB_READER_ROLE": "hub_reader_role",
    "HUB_MAX_VALUE_BYTES": "hub_max_value_bytes",
    "HUB_MAX_ANSWER_BYTES": "hub_max_answer_bytes",
    "ELT_DATA_DIR": "data_dir",
    "ELT_TRANSFORMS_DIR": "transforms_dir",
    "ELT_OUTPUT_DIR": "output_dir",
    "ELT_MONITORED_ROOTS": "monitored_roots",
    "BIND_HOST": "bind_host",
    "RUNNER_PORT": "runner_port",
    "DAGSTER_PORT": "dagster_port",
    "HUB_PORT": "hub_port",
    "SENSOR_INTERVAL_SECONDS": "sensor_interval_seconds",
    "FILE_MIN_AGE_SECONDS": "file_min_age_seconds",
    "BATCH_WINDOW_SECONDS": "batch_window_seconds",
    "SENSORS_RUNNING_BY_DEFAULT": "sensors_running_by_default",
    "RECOVERY_AFTER_SECONDS": "recovery_after_seconds",
    "RECOVERY_MAX_ATTEMPTS": "recovery_max_attempts",
    "RUNNER_AUTH": "runner_auth",
    "RUNNER_SECRET_KEY": "runner_secret_key",
    "RUNNER_SECRET_KEY_FILE": "runner_secret_key_file",
    "RUNNER_UPLOAD_MAX_MB": "runner_upload_max_mb",
    "RUNNER_TRUSTED_PROXIES": "runner_trusted_proxies",
    "DAGSTER_PUBLIC_URL": "dagster_public_url",
    "DAGSTER_HOME": "dagster_home_dir",
    "DAGSTER_STORAGE_URL": "dagster_storage_url",
    "ELT_LOG_DIR": "log_dir",
}
_BOOL_FIELDS = {"db_trust_server_certificate", "sensors_running_by_default"}


def load_settings(
    *,
    env: Mapping[str, str] | None = None,
    env_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from overrides, then ``env`` (default: os.environ), then the ``.env`` file.

    ``env_file`` defaults to ``.env`` in the project root; a missing file is fine.
    """
    root = project_root()
    environ = dict(os.environ if env is None else env)
    file_values: dict[str, str] = {}
    dotenv_path = env_file if env_file is not None else root / ".env"
    if dotenv_path.is_file():
        file_values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}

    values: dict[str, Any] = {}
    for env_name, field in _ENV_NAMES.items():
        raw = environ.get(env_name)
        if raw is None or raw == "":
            raw = file_values.get(env_name)
        if raw is None or raw == "":
            continue
        values[field] = raw.strip().lower() in _TRUE if field in _BOOL_FIELDS else raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(values.get("runner_auth"), str):
        values["runner_auth"] = values["runner_auth"].strip().lower()

    values["data_dir"] = values.get("data_dir") or "data"
    values["transforms_dir"] = values.get("transforms_dir") or "transforms"
    values["log_dir"] = values.get("log_dir") or "logs"
    for field in ("data_dir", "transforms_dir", "log_dir", "dagster_home_dir", "output_dir", "runner_secret_key_file"):
        if values.get(field):  # relative folders are taken from the project folder, not the working one
            path = Path(values[field]).expanduser()
            values[field] = path if path.is_absolute() else root / path
    roots = values.get("monitored_roots") or []
    if isinstance(roots, str):
        roots = [part.strip() for part in roots.split(os.pathsep) if part.strip()]
    values["monitored_roots"] = [p if p.is_absolute() else root / p for p in (Path(r).expanduser() for r in roots)]
    try:
        return Settings(**values)
    except Exception as exc:
        field = _first_bad_field(exc)
        raise ConfigurationError(
            f"Setting {field} has an invalid value; fix it in .env or the environment (see .env.example)."
        ) from None


def _first_bad_field(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        for err in errors():
            loc = err.get("loc") or ()
            if loc:
                name = str(loc[0])
                for env_name, field in _ENV_NAMES.items():
                    if field == name:
                        return env_name
                return name
    return "(unknown)"
