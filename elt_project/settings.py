"""One typed settings object, built once at the edge and passed down.

Sources, first match wins: explicit keyword arguments, the process environment,
the ``.env`` file of the home folder, then the OS keyring (service ``elt_project``,
user = the variable's name) for secrets. Each field names its environment variable
(its alias), so the names in ``.env.example`` and the docs are read from the model
itself. Values are checked strictly: ``SENSORS_RUNNING_BY_DEFAULT=ture`` is an error
naming the variable, not a silent ``False``.

The home folder (``ELT_HOME``) holds ``.env``, ``data/``, ``transforms/`` and
``logs/``; by default it is the source checkout the package runs from, or the working
folder when the package is installed (a wheel has no checkout around it).
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

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import URL

from elt_project import settings_urls
from elt_project.errors import ConfigurationError
from elt_project.settings_sources import (  # noqa: F401 — some re-exported: callers know them as settings' names
    ENV_FILE_OVERRIDE,
    ENVIRON_OVERRIDE,
    KEYRING_SERVICE,
    KEYRING_USERNAME_KEY,
    KeyringSecrets,
    VariablesSource,
    current_environment,
    env_file_path,
    fingerprint,
    first_problem,
    home_folder,
    keyring_login,
    keyring_secret,
    project_root,
    read_dotenv,
    stored_login_name,
    under_home,
)

DEFAULT_CREDENTIAL_TARGET = "DataLaunchpad/DB_Credentials"
DEFAULT_ODBC_DRIVER = "ODBC Driver 18 for SQL Server"


#: Where the Dagster webserver listens: it has no login, so never on a shared interface (docs/orchestration.md).
DAGSTER_HOST = "127.0.0.1"


def _env(name: str, **kwargs: Any) -> Any:
    """A field read from environment variable ``name`` (and, in code, by its field name)."""
    return Field(validation_alias=name, **kwargs)


class Settings(BaseSettings):
    """Everything the services need to know about their environment; one field per environment variable."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
    )

    home: Path = _env(
        "ELT_HOME",
        default_factory=lambda: home_folder(current_environment()),
        description="Holds .env, data/, transforms/ and logs/; default the source checkout, else the working folder.",
    )

    database_url: SecretStr | None = _env(
        "DATABASE_URL", default=None, description="Any SQLAlchemy URL; wins over DB_SERVER when set."
    )
    db_server: str | None = _env("DB_SERVER", default=None, description="SQL Server host; selects mssql+pyodbc.")
    db_database: str | None = _env("DB_DATABASE", default=None, description="SQL Server database name.")
    db_driver: str = _env("DB_DRIVER", default=DEFAULT_ODBC_DRIVER, description="ODBC driver name for SQL Server.")
    db_username: str | None = _env("DB_USERNAME", default=None, description="Fallback when the keyring has no entry.")
    db_password: SecretStr | None = _env(
        "DB_PASSWORD", default=None, description="Fallback when the keyring has no entry."
    )
    db_trust_server_certificate: bool = _env(
        "DB_TRUST_SERVER_CERTIFICATE", default=False, description="TrustServerCertificate=yes."
    )
    credential_target: str = _env(
        "CREDENTIAL_TARGET", default=DEFAULT_CREDENTIAL_TARGET, description="Keyring service holding the DB login."
    )
    openai_api_key: SecretStr | None = _env("OPENAI_API_KEY", default=None, description="Enables the AI features.")
    openai_base_url: str | None = _env(
        "OPENAI_BASE_URL", default=None, description="Any OpenAI-compatible server (e.g. a local one)."
    )
    openai_model: str = _env("OPENAI_MODEL", default="gpt-4o-mini", description="Model the hub asks for SQL.")
    analytics_public_url: str | None = _env("ANALYTICS_PUBLIC_URL", default=None, description="Public link to the hub.")
    forecast_horizon_days: int = _env(
        "FORECAST_HORIZON_DAYS",
        default=30,
        ge=1,
        le=3660,
        description="How many days past the newest data the forecast model predicts.",
    )
    hub_reader_role: str | None = _env(
        "HUB_READER_ROLE",
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$",
        description="PostgreSQL role the hub's and `python3 launch.py elt sql`'s queries run as (SET LOCAL ROLE), "
        "made by `python3 launch.py elt db upgrade`; default a name derived from the database and schema "
        "(roles are cluster-wide).",
    )
    hub_max_value_bytes: int = _env(
        "HUB_MAX_VALUE_BYTES",
        default=1_000_000,
        ge=1024,
        description="Largest single value a hub answer may hold, in bytes.",
    )
    hub_max_answer_bytes: int = _env(
        "HUB_MAX_ANSWER_BYTES",
        default=20_000_000,
        ge=1024,
        description="Largest whole hub answer (all rows), in bytes.",
    )
    analytics_history_days: int | None = _env(
        "ANALYTICS_HISTORY_DAYS",
        default=None,
        ge=1,
        le=3653,
        description="How many days back from the newest day the forecast and anomaly models read; default all "
        "(at most 10 years).",
    )
    search_engine: Literal["embeddings", "openai", "tfidf"] | None = _env(
        "ELT_SEARCH_ENGINE", default=None, description="Semantic search engine: embeddings (default), openai or tfidf."
    )
    search_index_on_load: bool = _env(
        "ELT_SEARCH_INDEX_ON_LOAD",
        default=True,
        description="A load builds the search index when there is none yet (an existing one is always refreshed).",
    )
    data_dir: Path = _env(
        "ELT_DATA_DIR",
        default=Path("data"),
        description="Where the embedded warehouse, Dagster home and incoming files live.",
    )
    transforms_dir: Path = _env(
        "ELT_TRANSFORMS_DIR",
        default=Path("transforms"),
        description="Folder of SQLite transform scripts (<procedure>.sql).",
    )
    output_dir: Path | None = _env(
        "ELT_OUTPUT_DIR",
        default=None,
        description="Where generated_sql/ and backups/ are written; default the project folder.",
    )
    bind_host: str = _env("BIND_HOST", default="127.0.0.1", description="Interface every service listens on.")
    runner_port: int = _env("RUNNER_PORT", default=3000, description="Data Importer page.")
    dagster_port: int = _env("DAGSTER_PORT", default=3001, description="Dagster webserver.")
    hub_port: int = _env("HUB_PORT", default=8501, description="Analytics & AI Hub.")
    monitored_roots: list[Path] = _env(
        "ELT_MONITORED_ROOTS",
        default_factory=list,
        description="Folders besides data_dir that imports may watch (ELT_MONITORED_ROOTS, os.pathsep-separated); "
        "an administrator's list, so a config row cannot read or archive files anywhere else.",
    )
    sensor_interval_seconds: int = _env(
        "SENSOR_INTERVAL_SECONDS", default=30, description="How often file sensors poll."
    )
    file_min_age_seconds: int = _env(
        "FILE_MIN_AGE_SECONDS", default=10, description="A file must be unchanged this long."
    )
    batch_window_seconds: int = _env(
        "BATCH_WINDOW_SECONDS", default=120, description="Replace-load files batched together."
    )
    sensors_running_by_default: bool = _env(
        "SENSORS_RUNNING_BY_DEFAULT", default=True, description="Sensors start running."
    )
    recovery_after_seconds: int = _env(
        "RECOVERY_AFTER_SECONDS",
        default=300,
        ge=0,
        description="A file whose run died (or never claimed it) is requested again after this long.",
    )
    recovery_max_attempts: int = _env(
        "RECOVERY_MAX_ATTEMPTS",
        default=3,
        ge=0,
        description="Automatic re-requests of one file after lost runs; then `python3 launch.py elt retry`.",
    )
    runner_auth: Literal["accounts", "desktop"] = _env(
        "RUNNER_AUTH",
        default="accounts",
        description="Who uses the Data Importer page: elt_users accounts, or (desktop, loopback only) "
        "the database login held in the credential store.",
    )
    runner_secret_key: SecretStr | None = _env(
        "RUNNER_SECRET_KEY",
        default=None,
        description="Signs the page's session cookies; generated into a file when unset.",
    )
    runner_secret_key_file: Path | None = _env(
        "RUNNER_SECRET_KEY_FILE",
        default=None,
        description="Where the generated session key is kept; default <data dir>/runner_secret_key.",
    )
    runner_upload_max_mb: int = _env(
        "RUNNER_UPLOAD_MAX_MB", default=100, ge=1, description="Largest file the page accepts, in MB."
    )
    runner_trusted_proxies: str | None = _env(
        "RUNNER_TRUSTED_PROXIES",
        default=None,
        description="Addresses (comma-separated) of the reverse proxy in front of the page; only requests "
        "from them have their X-Forwarded-For/-Proto believed. Unset: those headers are ignored.",
    )
    dagster_public_url: str | None = _env(
        "DAGSTER_PUBLIC_URL",
        default=None,
        description="Dagster UI address for the page's (Dagster) links (admins); default its local address.",
    )
    dagster_home_dir: Path | None = _env(
        "DAGSTER_HOME",
        default=None,
        description="DAGSTER_HOME set by an administrator; default <data_dir>/dagster_home.",
    )
    dagster_storage_url: SecretStr | None = _env(
        "DAGSTER_STORAGE_URL",
        default=None,
        description="PostgreSQL URL of a database of Dagster's own (runs, event logs, schedules) for the scale-out "
        "deployment; default SQLite files in the Dagster home.",
    )
    log_dir: Path = _env(
        "ELT_LOG_DIR", default=Path("logs"), description="Where each service started by the launcher writes its log."
    )

    #: The environment handed to load_settings (None: the process environment, read when asked) and the .env values.
    _environ: Mapping[str, str] | None = PrivateAttr(default=None)
    _env_file_values: Mapping[str, str] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the home's ``.env``, then the keyring (secrets only)."""
        del env_settings, dotenv_settings, file_secret_settings  # replaced by the three below
        return (
            init_settings,
            VariablesSource(settings_cls, current_environment),
            # ELT_HOME only from the environment: the .env file is found inside the home it names.
            VariablesSource(settings_cls, lambda: read_dotenv(ENV_FILE_OVERRIDE.get()) | {"ELT_HOME": ""}),
            KeyringSecrets(settings_cls),
        )

    @field_validator("db_trust_server_certificate", "sensors_running_by_default", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("runner_auth", "search_engine", mode="before")
    @classmethod
    def _choice(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("monitored_roots", mode="before")
    @classmethod
    def _path_list(cls, value: Any) -> Any:
        if isinstance(value, str):  # os.pathsep-separated, like PATH
            return [part.strip() for part in value.split(os.pathsep) if part.strip()]
        return value

    @field_validator(
        "data_dir", "transforms_dir", "log_dir", "dagster_home_dir", "output_dir", "runner_secret_key_file"
    )
    @classmethod
    def _in_home(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        """Relative folders are taken from the home folder, not the working one."""
        return None if value is None else under_home(info.data.get("home") or home_folder(), value)

    @field_validator("monitored_roots")
    @classmethod
    def _roots_in_home(cls, value: list[Path], info: ValidationInfo) -> list[Path]:
        return [under_home(info.data.get("home") or home_folder(), path) for path in value]

    def named_value(self, name: str) -> str | None:
        """Variable ``name`` from where settings come from: the environment, the ``.env`` file, the keyring.

        For values the settings have no field for, such as the credentials a scraper config names. The
        process environment is read at the time of asking (then the mapping ``load_settings`` was given,
        if any), so a name set for one run is found as it always was.
        """
        given = self._environ or {}
        return os.environ.get(name) or given.get(name) or self._env_file_values.get(name) or keyring_secret(name)

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
        """The folder holding generated_sql/ and backups/ (ELT_OUTPUT_DIR, else the home folder)."""
        return self.output_dir or self.home

    @property
    def dagster_home(self) -> Path:
        """Persistent Dagster home; a temporary one would lose run keys and cursors.

        An administrator's ``DAGSTER_HOME`` wins, so an instance they configured is the one used.
        """
        return self.dagster_home_dir if self.dagster_home_dir is not None else self.data_dir / "dagster_home"

    def dagster_storage(self) -> str | None:
        """The URL Dagster's PostgreSQL storage connects with, or None for SQLite files in the Dagster home."""
        return settings_urls.dagster_storage(self.dagster_storage_url)

    def warehouse_url(self) -> URL:
        """The SQLAlchemy URL of the warehouse, with secrets inside the URL object only."""
        return settings_urls.warehouse_url(self)

    def describe_warehouse(self) -> str:
        """A log-safe description of the warehouse (password hidden)."""
        try:
            return self.warehouse_url().render_as_string(hide_password=True)
        except ConfigurationError as exc:
            return f"<unconfigured: {exc}>"


def sources_fingerprint(env: Mapping[str, str] | None = None) -> tuple:
    """What a fresh :func:`load_settings` would read (see :func:`settings_sources.fingerprint`)."""
    return fingerprint(environment_names(), os.environ if env is None else env)


def environment_names() -> dict[str, str]:
    """Environment variable -> field name, for every setting (read from the fields' aliases)."""
    return {str(field.validation_alias): name for name, field in Settings.model_fields.items()}


def load_settings(
    *,
    env: Mapping[str, str] | None = None,
    env_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from overrides, then ``env`` (default: os.environ), then the ``.env`` file, then the keyring.

    ``env_file`` defaults to ``.env`` in the home folder; a missing file is fine. An invalid value is a
    :class:`ConfigurationError` of one sentence naming the variable (never echoing a secret).
    """
    environ = dict(os.environ if env is None else env)
    home = Path(overrides["home"]) if overrides.get("home") else home_folder(environ)
    env_file = env_file if env_file is not None else home / ".env"
    env_token, file_token = ENVIRON_OVERRIDE.set(environ), ENV_FILE_OVERRIDE.set(env_file)
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
        file_values = read_dotenv(env_file)
    except ValidationError as exc:
        raise ConfigurationError(first_problem(exc, environment_names())) from None
    finally:
        ENVIRON_OVERRIDE.reset(env_token)
        ENV_FILE_OVERRIDE.reset(file_token)
    settings._environ = None if env is None else environ
    settings._env_file_values = file_values
    return settings
