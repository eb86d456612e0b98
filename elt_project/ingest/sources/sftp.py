"""``generic_sftp_downloader``: download matching files from an SFTP server (paramiko), then parse them.

scraper_config::

    {"sftp_details": {"hostname_env_var": ..., "port": 22, "username_env_var": ...,
                      "password_env_var": ... | "private_key_path_env_var": ...,
                      "remote_path": "/out/", "file_pattern": "daily_*.csv",
                      "known_hosts": "/path/known_hosts" | "host_key_fingerprint": "SHA256:..."},
     "parse_details": {"file_type": "csv", ...read options...},
     "after_download": "keep" | "move:<remote dir>" | "delete"}

The server's host key is always verified: against the pinned fingerprint, the
named known_hosts file, or (when the config names neither) the user's
``~/.ssh/known_hosts``. An unknown or changed key is refused with the fingerprint
and how to pin it — never accepted silently. Each file is downloaded to a
``.part`` name, checked against the size the server listed, and renamed when
complete. A remote file already LOADED (same address, size and mtime) is not
downloaded again; ``after_download`` runs only after the rows were committed.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import posixpath
import socket
import stat
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paramiko

from elt_project.errors import ConfigurationError, SourceFileError, TransientError
from elt_project.ingest.sources.base import FetchedFile, SourceContext, require, safe_file_name, section

DEFAULT_TIMEOUT_SECONDS = 30.0


def fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:<base64>`` as ``ssh-keygen -lf`` prints it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class SftpDownloader:
    """One configured SFTP import; the config is validated when built."""

    def __init__(self, config: dict[str, Any] | None) -> None:
        self.config = config or {}
        self.details = section(self.config, "sftp_details")
        for key in ("hostname_env_var", "username_env_var", "remote_path", "file_pattern"):
            require(self.details, key, "sftp_details")
        if not (self.details.get("password_env_var") or self.details.get("private_key_path_env_var")):
            raise ConfigurationError(
                "sftp_details needs 'password_env_var' or 'private_key_path_env_var' to log in; add one."
            )
        self.parse = section(self.config, "parse_details", required=False) or {"file_type": "csv"}
        self.after_download = str(self.config.get("after_download", self.details.get("after_download", "keep")))
        if not (self.after_download in ("keep", "delete") or self.after_download.startswith("move:")):
            raise ConfigurationError(
                f"after_download '{self.after_download}' is unknown; use keep, delete or move:<remote folder>."
            )
        if self.after_download == "move:":
            raise ConfigurationError("after_download 'move:' needs a remote folder, e.g. move:/out/done.")

    # ---- connection -------------------------------------------------------------------

    def _address(self, context: SourceContext) -> tuple[str, int]:
        raw = context.secrets.get(self.details["hostname_env_var"], purpose="SFTP host name")
        host, port = raw.strip(), int(self.details.get("port") or 22)
        if host.count(":") == 1 and host.rsplit(":", 1)[1].isdigit():
            host, given = host.rsplit(":", 1)
            port = int(self.details.get("port") or given)
        return host, port

    def _connect(self, context: SourceContext) -> tuple[paramiko.Transport, paramiko.SFTPClient, str, int]:
        host, port = self._address(context)
        user = context.secrets.get(self.details["username_env_var"], purpose="SFTP user name")
        timeout = float(self.details.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise TransientError(
                f"SFTP server {host}:{port} could not be reached ({exc.strerror or type(exc).__name__}); "
                "check the host and port, and run the import again."
            ) from exc
        transport = paramiko.Transport(sock)
        try:
            transport.start_client(timeout=timeout)
            self._verify_host_key(transport.get_remote_server_key(), host, port)
            self._authenticate(transport, user, host, port, context)
            client = paramiko.SFTPClient.from_transport(transport)
            if client is None:
                raise TransientError(f"SFTP server {host}:{port} refused the sftp subsystem; ask its administrator.")
            client.get_channel().settimeout(timeout)
        except paramiko.SSHException as exc:
            transport.close()
            if isinstance(exc, paramiko.AuthenticationException):
                raise ConfigurationError(
                    f"SFTP login as {user} at {host}:{port} was refused; check the credentials in env vars "
                    f"{self.details.get('password_env_var') or self.details.get('private_key_path_env_var')}."
                ) from exc
            raise TransientError(
                f"The SSH connection to {host}:{port} failed ({type(exc).__name__}); run the import again."
            ) from exc
        except BaseException:
            transport.close()
            raise
        return transport, client, host, port

    def _verify_host_key(self, key: paramiko.PKey, host: str, port: int) -> None:
        seen = fingerprint(key)
        pinned = self.details.get("host_key_fingerprint")
        if pinned:
            if str(pinned).strip().rstrip("=") != seen:
                raise ConfigurationError(
                    f"SFTP server {host}:{port} presented host key {seen}, not the pinned {pinned}; the server "
                    "changed or someone is in between — ask its administrator before updating host_key_fingerprint."
                )
            return
        known_path = self.details.get("known_hosts")
        path = Path(known_path).expanduser() if known_path else Path("~/.ssh/known_hosts").expanduser()
        keys = paramiko.HostKeys()
        if path.is_file():
            keys.load(str(path))
        elif known_path:
            raise ConfigurationError(f"known_hosts file {path} does not exist; fix sftp_details.known_hosts.")
        entry = keys.lookup(host if port == 22 else f"[{host}]:{port}")
        if entry is not None and key.get_name() in entry:
            if entry[key.get_name()] == key:
                return
            raise ConfigurationError(
                f"SFTP server {host}:{port} presented host key {seen}, which differs from {path}; the server "
                "changed or someone is in between — ask its administrator before updating known_hosts."
            )
        raise ConfigurationError(
            f"SFTP server {host}:{port} has an unknown host key ({key.get_name()} {seen}); confirm it with the "
            f'server\'s administrator, then pin it with "host_key_fingerprint": "{seen}" in sftp_details '
            '(or name a known_hosts file in "known_hosts").'
        )

    def _authenticate(
        self, transport: paramiko.Transport, user: str, host: str, port: int, context: SourceContext
    ) -> None:
        if self.details.get("private_key_path_env_var"):
            key_path = context.secrets.get(self.details["private_key_path_env_var"], purpose="SFTP private key path")
            passphrase = context.secrets.get(
                self.details.get("private_key_passphrase_env_var"), purpose="private key passphrase", required=False
            )
            try:
                pkey = paramiko.PKey.from_path(Path(key_path).expanduser(), passphrase)
            except (OSError, paramiko.SSHException, ValueError) as exc:
                raise ConfigurationError(
                    f"The private key named by env var {self.details['private_key_path_env_var']} could not be "
                    "read (missing file, wrong passphrase or unsupported type); fix the path or the key."
                ) from exc
            transport.auth_publickey(user, pkey)
        else:
            password = context.secrets.get(self.details["password_env_var"], purpose="SFTP password")
            transport.auth_password(user, password)

    # ---- fetch ------------------------------------------------------------------------

    def fetch(self, context: SourceContext) -> list[FetchedFile]:
        transport, client, host, port = self._connect(context)
        remote_dir = str(self.details["remote_path"])
        pattern = str(self.details["file_pattern"])
        options = {k: v for k, v in self.parse.items() if k != "file_type"} or None
        file_type = str(self.parse.get("file_type") or "csv")
        fetched: list[FetchedFile] = []
        loaded_before: list[str] = []
        try:
            try:
                remote_dir = client.normalize(remote_dir)  # absolute, so the ledger address names one file
                listing = client.listdir_attr(remote_dir)
            except OSError as exc:
                raise SourceFileError(
                    f"remote_path {remote_dir} cannot be listed on {host}:{port} ({exc.strerror or exc}); "
                    "fix sftp_details.remote_path."
                ) from exc
            matches = sorted(
                (a for a in listing if stat.S_ISREG(a.st_mode or 0) and fnmatch.fnmatchcase(a.filename, pattern)),
                key=lambda a: a.filename,
            )
            for attr in matches:
                remote = posixpath.join(remote_dir, attr.filename)
                address = f"sftp://{host}:{port}{remote}"
                mtime = float(attr.st_mtime or 0)
                if context.already_loaded(address, int(attr.st_size or 0), mtime):
                    context.note(f"{address} is already loaded (same size and time); not downloaded again")
                    loaded_before.append(address)
                    continue
                local = self._download(client, remote, attr, context.work_dir)
                fetched.append(FetchedFile(local, file_type, address, options, attr.filename, True))
                context.note(f"downloaded {address} ({attr.st_size:,} bytes)")
            if not matches:
                context.note(f"no file matching {pattern} in {remote_dir} on {host}:{port}")
            if loaded_before:  # loaded by an earlier run whose after_download did not happen
                self._apply_after_download(client, host, port, loaded_before, context)
        finally:
            client.close()
            transport.close()
        return fetched

    @staticmethod
    def _download(client: paramiko.SFTPClient, remote: str, attr, work_dir: Path) -> Path:
        target = work_dir / safe_file_name(attr.filename)
        partial = target.with_name(target.name + ".part")
        try:
            client.get(remote, str(partial))
            after = client.stat(remote)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise TransientError(
                f"Downloading {remote} failed ({exc.strerror or type(exc).__name__}); run the import again."
            ) from exc
        size = partial.stat().st_size
        if size != attr.st_size or after.st_size != attr.st_size or after.st_mtime != attr.st_mtime:
            partial.unlink(missing_ok=True)
            raise TransientError(
                f"{remote} changed while it was downloaded (it is still being written); run the import again later."
            )
        os.utime(partial, (attr.st_mtime, attr.st_mtime))
        os.replace(partial, target)
        return target

    # ---- after the load ---------------------------------------------------------------

    def after_loaded(self, context: SourceContext, ledger_paths: Iterable[str]) -> None:
        """Apply ``after_download`` to the remote files whose rows were committed."""
        if self.after_download == "keep":
            return
        transport, client, host, port = self._connect(context)
        try:
            self._apply_after_download(client, host, port, list(ledger_paths), context)
        finally:
            client.close()
            transport.close()

    def _apply_after_download(
        self, client: paramiko.SFTPClient, host: str, port: int, addresses: list[str], context: SourceContext
    ) -> None:
        if self.after_download == "keep":
            return
        try:
            for address in addresses:
                parts = urlsplit(address)
                if parts.scheme != "sftp" or (parts.hostname, parts.port) != (host, port):
                    continue
                remote = parts.path
                if self.after_download == "delete":
                    client.remove(remote)
                    context.note(f"deleted {address}")
                    continue
                folder = self.after_download.split(":", 1)[1]
                _ensure_folder(client, folder)
                target = posixpath.join(folder, posixpath.basename(remote))
                if _exists(client, target):
                    stem, dot, ext = posixpath.basename(remote).rpartition(".")
                    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
                    target = posixpath.join(folder, f"{stem}.{stamp}.{ext}" if dot else f"{ext}.{stamp}")
                client.posix_rename(remote, target)
                context.note(f"moved {address} to {target}")
        except OSError as exc:
            raise TransientError(
                f"after_download '{self.after_download}' failed on {host}:{port} ({exc.strerror or exc}); "
                "the rows are loaded, the next run retries it."
            ) from exc


def _exists(client: paramiko.SFTPClient, path: str) -> bool:
    try:
        client.stat(path)
        return True
    except OSError:
        return False


def _ensure_folder(client: paramiko.SFTPClient, folder: str) -> None:
    if not _exists(client, folder):
        client.mkdir(folder)
