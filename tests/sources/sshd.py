"""A real OpenSSH server for SFTP tests: /usr/sbin/sshd on a free loopback port, throwaway keys.

Key login works for the user running the tests (root in CI: ``PermitRootLogin``).
Password login needs an account with a known password: when the tests run as
root a throwaway system user is created for the session and removed afterwards;
otherwise that case is skipped, saying why.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.net import free_port

SSHD = "/usr/sbin/sshd"
THROWAWAY_USER = "elt_sftp_test"


@dataclass
class SshServer:
    host: str
    port: int
    root: Path  # a world-writable folder both users can reach
    host_public_key: str  # "ssh-ed25519 AAAA..." (for known_hosts)
    key_user: str
    private_key: Path
    password_user: str | None
    password: str | None
    skip_password_reason: str | None


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def _create_user(password: str) -> str | None:
    """A throwaway login with ``password`` (root only); None with the reason logged by the caller."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        return None
    try:
        pwd.getpwnam(THROWAWAY_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "-M", "-s", "/bin/sh", THROWAWAY_USER], check=True)
    subprocess.run(["chpasswd"], input=f"{THROWAWAY_USER}:{password}", text=True, check=True)
    return THROWAWAY_USER


@contextmanager
def running_sshd():
    """Start sshd for the session; yields an :class:`SshServer`."""
    if not os.path.exists(SSHD):
        raise RuntimeError(f"{SSHD} is missing; install the Debian package openssh-server (.ci/run does).")
    work = Path(tempfile.mkdtemp(prefix="elt-sshd-"))
    os.chmod(work, 0o755)
    root = work / "sftp"
    root.mkdir()
    os.chmod(root, 0o777)
    _keygen(work / "host_key")
    _keygen(work / "user_key")
    authorized = work / "authorized_keys"
    shutil.copy(work / "user_key.pub", authorized)
    os.chmod(authorized, 0o644)
    key_user = pwd.getpwuid(os.geteuid()).pw_name
    password = "pw-" + secrets.token_hex(8)
    password_user = _create_user(password)
    port = free_port()
    config = work / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {work / 'host_key'}\nPidFile {work / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {authorized}\nStrictModes no\nUsePAM no\nPermitRootLogin yes\n"
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nSubsystem sftp internal-sftp\n"
        "LogLevel VERBOSE\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation folder
    log = open(work / "sshd.log", "w")  # noqa: SIM115 - a file, not a pipe: a full pipe would stall the server
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=log)
    try:
        _wait_for(port, process, work / "sshd.log")
        yield SshServer(
            host="127.0.0.1",
            port=port,
            root=root,
            host_public_key=" ".join((work / "host_key.pub").read_text().split()[:2]),
            key_user=key_user,
            private_key=work / "user_key",
            password_user=password_user,
            password=password if password_user else None,
            skip_password_reason=None if password_user else "password login needs a throwaway user; run as root",
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if password_user:
            subprocess.run(["userdel", password_user], check=False)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("sshd did not start listening within 15 s")
