"""Where settings come from: the home folder, the environment, its ``.env`` file and the OS keyring.

:mod:`elt_project.settings` declares the fields; this module holds the sources pydantic-settings
reads them from, and the keyring look-ups the SQL Server login and named secrets share.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

#: The keyring service of every named secret (OPENAI_API_KEY, DB_PASSWORD, a portal's password...),
#: user = the variable's name. The SQL Server login keeps its own entry (CREDENTIAL_TARGET).
KEYRING_SERVICE = "elt_project"


def project_root() -> Path:
    """The folder the package was loaded from: a source checkout's launcher, entry scripts and workspace.yaml.

    Not where settings, data or logs live: that is :attr:`Settings.home` (``ELT_HOME``).
    """
    return Path(__file__).resolve().parent.parent


def home_folder(env: Mapping[str, str] | None = None) -> Path:
    """``ELT_HOME``; else the source checkout the package runs from; else (an installed package) the working folder."""
    environ = os.environ if env is None else env
    chosen = (environ.get("ELT_HOME") or "").strip()
    if chosen:
        return Path(chosen).expanduser().resolve()
    checkout = project_root()
    if (checkout / "pyproject.toml").is_file():
        return checkout
    return Path.cwd().resolve()


#: The environment a load reads instead of ``os.environ`` (``load_settings(env=...)``). A context variable
#: because pydantic-settings builds its sources in a classmethod that sees nothing of the call.
ENVIRON_OVERRIDE: ContextVar[Mapping[str, str] | None] = ContextVar("elt_settings_environ", default=None)


def under_home(home: Path, path: Path) -> Path:
    """``path``, taken from ``home`` when relative (folders in settings never depend on the working folder)."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else home / path


#: The ``.env`` file a load reads (``load_settings(env_file=...)``); None: the home folder's.
ENV_FILE_OVERRIDE: ContextVar[Path | None] = ContextVar("elt_settings_env_file", default=None)


def current_environment() -> Mapping[str, str]:
    """The environment the load in progress reads."""
    given = ENVIRON_OVERRIDE.get()
    return os.environ if given is None else given


def env_file_path(env: Mapping[str, str] | None = None) -> Path:
    """The ``.env`` file of the home folder."""
    return home_folder(env) / ".env"


def read_dotenv(path: Path | None) -> dict[str, str]:
    """The variables of a ``.env`` file (None: the home folder's); a missing file has none."""
    path = path if path is not None else env_file_path(current_environment())
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


class VariablesSource(PydanticBaseSettingsSource):
    """The fields' environment variables, read from one mapping (the environment, or a ``.env`` file).

    Keyed by field name, so an explicit argument for the same field wins over it; an empty value is unset.
    """

    def __init__(self, settings_cls: type[BaseSettings], read: Any) -> None:
        super().__init__(settings_cls)
        self._read = read

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        raw = self._read().get(field.validation_alias)
        return raw, field_name, False

    def __call__(self) -> dict[str, Any]:
        values = self._read()
        found = {}
        for name, field in self.settings_cls.model_fields.items():
            raw = values.get(field.validation_alias)
            if raw is not None and raw != "":
                found[name] = raw
        return found


class KeyringSecrets(PydanticBaseSettingsSource):
    """Secret fields the environment and ``.env`` left unset, from the OS keyring (service ``elt_project``)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return keyring_secret(field.validation_alias), field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {}
        for name, field in self.settings_cls.model_fields.items():
            if field.annotation in (SecretStr, SecretStr | None) and name not in self.current_state:
                value = keyring_secret(field.validation_alias)
                if value:
                    found[name] = value
        return found


def keyring_secret(name: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, name) or None
    except Exception:  # no keyring backend on this machine: the environment and .env are the sources
        return None


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


def fingerprint(names: Mapping[str, str], environ: Mapping[str, str]) -> tuple:
    """What a fresh load of the settings would read: every setting's variable (``names``) and the ``.env`` file's stamp.

    Lets a long-lived process (the hub) rebuild its settings exactly when any of them could differ,
    without a list of "important" variables that drifts from the fields. Keyring entries are not
    included: after changing one, restart the service.
    """
    names = sorted(names)
    env_file = home_folder(environ) / ".env"
    try:
        stamp = env_file.stat()
        file_stamp = (str(env_file), stamp.st_mtime_ns, stamp.st_size)
    except OSError:
        file_stamp = (str(env_file), None, None)
    return (tuple((name, environ.get(name)) for name in names), file_stamp)


#: Yes/no words a boolean setting accepts (pydantic's list); anything else is an error naming the variable.
_YES_NO = "yes or no (true/false, on/off, 1/0)"


def first_problem(exc: ValidationError, variables: Mapping[str, str]) -> str:
    """One sentence naming the variable that holds the first invalid value, and what it should be."""
    names = {field: env_name for env_name, field in variables.items()}
    for err in exc.errors(include_input=False):
        loc = err.get("loc") or ()
        if not loc:
            continue
        variable = names.get(str(loc[0]), str(loc[0]))
        kind, ctx = err.get("type"), err.get("ctx") or {}
        if kind == "bool_parsing":
            wanted = _YES_NO
        elif kind == "literal_error":
            wanted = f"one of {ctx.get('expected', 'the documented values')}"
        elif kind in ("int_parsing", "int_from_float"):
            wanted = "a whole number"
        elif kind == "string_pattern_mismatch":  # the only pattern is the SQL name of HUB_READER_ROLE
            wanted = "a plain SQL name (letters, digits and underscores, not starting with a digit, up to 63)"
        elif kind in ("greater_than_equal", "less_than_equal"):
            wanted = f"{'at least' if kind == 'greater_than_equal' else 'at most'} {ctx.get('ge', ctx.get('le'))}"
        else:
            wanted = str(err.get("msg", "valid")).removeprefix("Input should be ").removeprefix("Value should be ")
        return f"Setting {variable} must be {wanted}; fix it in .env or the environment (see .env.example)."
    return "A setting has an invalid value; check .env and the environment against .env.example."
