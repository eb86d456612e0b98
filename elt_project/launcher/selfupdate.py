"""Step 2 of a start: bring the application folder up to date with its git remote.

Standard library only: ``launch.py`` runs this before anything is installed. It does
what ``git pull --ff-only`` does, in its two halves, so each way of not updating gets
its own plain sentence: ``git fetch`` (the network half; git's own credential helper,
e.g. Windows Credential Manager holding a personal access token, does any login) and
``git merge --ff-only`` (the local half, refused when the copies have diverged).
Whatever happens, the start goes on with what is in the folder; only a first start
that cannot download anything is stopped (``CannotRunOffline``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

UPDATED, CURRENT, SKIPPED, OFFLINE = "updated", "current", "skipped", "offline"


@dataclass(frozen=True)
class UpdateResult:
    """What the update step did, with the sentence shown on the console."""

    status: str
    message: str


def _git(root: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": os.environ.get("GIT_TERMINAL_PROMPT", "0"), "LC_ALL": "C"}
    command = ["git", *args]  # git from PATH on purpose: the user's own
    return subprocess.run(  # noqa: S603 — argument list without a shell
        command, cwd=root, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL
    )


def self_update(root: Path, *, timeout_s: float = 60.0) -> UpdateResult:
    """Fast-forward ``root`` to its upstream branch when that is possible and safe."""
    if shutil.which("git") is None:
        return UpdateResult(SKIPPED, "Git not found; starting with the version in this folder")
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
        return UpdateResult(SKIPPED, "this folder is not a git clone; starting with the version in it")
    if not _git(root, "remote").stdout.strip():
        return UpdateResult(SKIPPED, "no git remote configured; starting with the version in this folder")
    upstream = _git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}")
    if upstream.returncode != 0:
        return UpdateResult(SKIPPED, "this branch follows no remote branch; starting with the version in this folder")
    upstream_name = upstream.stdout.strip()
    if _git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip():
        return UpdateResult(SKIPPED, "local changes in this folder; not updating, starting with them")
    remote = upstream_name.split("/", 1)[0]
    try:
        fetched = _git(root, "fetch", "--quiet", remote, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return UpdateResult(OFFLINE, f"no answer from the remote '{remote}'; starting with the version in this folder")
    if fetched.returncode != 0:
        if "Authentication failed" in fetched.stderr or "could not read Username" in fetched.stderr:
            return UpdateResult(
                OFFLINE,
                f"git could not log in to the remote '{remote}' (add a personal access token to the "
                "credential manager, see docs/launcher.md); starting with the version in this folder",
            )
        return UpdateResult(
            OFFLINE, f"cannot reach the remote '{remote}' (offline?); starting with the version in this folder"
        )
    before = _git(root, "rev-parse", "HEAD").stdout.strip()
    merged = _git(root, "merge", "--ff-only", "--quiet", "@{u}")
    if merged.returncode != 0:
        return UpdateResult(SKIPPED, f"this copy and {upstream_name} have diverged; not updating (see `git status`)")
    after = _git(root, "rev-parse", "HEAD").stdout.strip()
    if after == before:
        return UpdateResult(CURRENT, "already up to date")
    return UpdateResult(UPDATED, f"updated from {before[:8]} to {after[:8]}")
