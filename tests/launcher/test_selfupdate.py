"""Self-update against a real local bare git remote: ahead, unreachable, diverged, local changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from elt_project.launcher.selfupdate import CURRENT, OFFLINE, SKIPPED, UPDATED, self_update

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch):
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, name: str, text: str) -> None:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"change {name}")


@pytest.fixture
def clones(tmp_path):
    """A bare remote, the user's clone of it, and a second clone that publishes new versions."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    publisher = tmp_path / "publisher"
    git(tmp_path, "clone", "-q", str(remote), str(publisher))
    git(publisher, "checkout", "-q", "-b", "main")
    commit(publisher, "app.txt", "v1\n")
    git(publisher, "push", "-q", "-u", "origin", "main")
    user = tmp_path / "user"
    git(tmp_path, "clone", "-q", str(remote), str(user))
    return remote, publisher, user


def test_a_clone_behind_its_remote_is_fast_forwarded(clones):
    _remote, publisher, user = clones
    assert self_update(user).status == CURRENT
    commit(publisher, "app.txt", "v2\n")
    git(publisher, "push", "-q")
    result = self_update(user)
    assert result.status == UPDATED, result.message
    assert (user / "app.txt").read_text() == "v2\n"
    assert result.message.startswith("updated from ")


def test_an_unreachable_remote_starts_with_what_is_there(clones, tmp_path):
    remote, publisher, user = clones
    git(user, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = self_update(user)
    assert result.status == OFFLINE
    assert "cannot reach the remote 'origin'" in result.message
    assert (user / "app.txt").read_text() == "v1\n"


def test_a_diverged_clone_is_left_alone(clones):
    _remote, publisher, user = clones
    commit(publisher, "app.txt", "theirs\n")
    git(publisher, "push", "-q")
    commit(user, "mine.txt", "mine\n")
    head = git(user, "rev-parse", "HEAD")
    result = self_update(user)
    assert result.status == SKIPPED
    assert "diverged" in result.message
    assert git(user, "rev-parse", "HEAD") == head


def test_local_changes_are_never_overwritten(clones):
    _remote, publisher, user = clones
    commit(publisher, "app.txt", "v2\n")
    git(publisher, "push", "-q")
    (user / "app.txt").write_text("edited here\n")
    result = self_update(user)
    assert result.status == SKIPPED and "local changes" in result.message
    assert (user / "app.txt").read_text() == "edited here\n"


def test_a_folder_without_git_or_remote_is_said_so(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "not a git clone" in self_update(plain).message
    git(plain, "init", "-q")
    assert "no git remote" in self_update(plain).message


def test_launch_refuses_offline_only_when_nothing_was_installed(clones, tmp_path):
    """The whole of launch.py's step 2 in a clone with no packages and no reachable remote."""
    import shutil
    import sys

    from elt_project.settings import project_root

    _remote, _publisher, user = clones
    shutil.copy(project_root() / "launch.py", user / "launch.py")
    shutil.copytree(project_root() / "elt_project" / "launcher", user / "elt_project" / "launcher")
    (user / "elt_project" / "__init__.py").write_text("")
    (user / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    git(user, "add", "-A")
    git(user, "commit", "-q", "-m", "launcher")
    git(user, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    code = "import sys, launch; sys.exit(launch.update([]) or 0)"
    run = subprocess.run([sys.executable, "-c", code], cwd=user, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "[2/8] Checking for updates... cannot reach the remote 'origin'" in run.stdout
    assert "Cannot run in offline mode" in run.stdout
