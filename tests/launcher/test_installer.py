"""The Python side of DataImporter-Setup.exe: payload, IExpress directives, install, shortcut.

IExpress and the desktop shortcut need Windows; everything they are given is built
and checked here, and the install itself runs for real against a local bare remote.
"""

from __future__ import annotations

import configparser
import json
import subprocess
import zipfile

import pytest

from elt_project.launcher import installer
from elt_project.launcher.selfupdate import CURRENT, self_update
from elt_project.settings import project_root
from tests.launcher.test_selfupdate import GIT_ENV, commit, git


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch):
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def app_repo(tmp_path):
    """A published application: a bare remote and the developer's clone, with local state lying around."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(remote), str(dev))
    git(dev, "checkout", "-q", "-b", "main")
    (dev / "elt_project").mkdir()
    commit(dev, "launch.py", "print('launcher')\n")
    commit(dev, "Launch Data Importer.bat", "@echo off\r\n")
    commit(dev, "elt_project/__init__.py", "")
    git(dev, "push", "-q", "-u", "origin", "main")
    (dev / ".env").write_text("DB_PASSWORD=secret\n")
    (dev / "data").mkdir()
    (dev / "data" / "warehouse.db").write_text("local")
    return remote, dev


def test_build_packs_tracked_files_and_writes_the_iexpress_directives(app_repo, tmp_path):
    remote, dev = app_repo
    out, sed = tmp_path / "out", tmp_path / "installer_config.sed"
    installer.build(dev, out, sed)
    with zipfile.ZipFile(out / "app.zip") as archive:
        assert sorted(archive.namelist()) == ["Launch Data Importer.bat", "elt_project/__init__.py", "launch.py"]
    assert json.loads((out / "origin.json").read_text()) == {"url": str(remote), "branch": "main"}
    assert (out / "install.cmd").read_bytes().count(b"\r\n") >= 10
    assert b"install_app.py install" in (out / "install.cmd").read_bytes()
    assert (out / "install_app.py").read_text() == (project_root() / "elt_project/launcher/installer.py").read_text()
    text = sed.read_bytes().decode("ascii")
    assert "\r\n" in text
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str
    parsed.read_string(text)
    assert parsed["Version"]["Class"] == "IEXPRESS"
    assert parsed["Options"]["TargetName"] == "%TargetName%"
    assert parsed["Strings"]["TargetName"] == str((out / "DataImporter-Setup.exe").resolve())
    assert parsed["Strings"]["AppLaunched"] == "cmd /c install.cmd"
    files = [parsed["Strings"][f"FILE{n}"].strip('"') for n in range(4)]
    assert files == ["install.cmd", "install_app.py", "app.zip", "origin.json"]
    assert parsed["SourceFiles"]["SourceFiles0"] == f"{out.resolve()}/"
    assert list(parsed["SourceFiles0"]) == [f"%FILE{n}%" for n in range(4)]
    for name in files:
        assert (out / name).is_file()


def test_install_makes_a_clone_that_updates_itself(app_repo, tmp_path):
    _remote, dev = app_repo
    out = tmp_path / "out"
    installer.build(dev, out, tmp_path / "c.sed")
    commit(dev, "launch.py", "print('newer launcher')\n")  # published after the installer was built
    git(dev, "push", "-q")
    target = tmp_path / "Users" / "ann" / "AppData" / "Local" / "DataImporter"
    lines = installer.install(out, target)
    assert lines[0] == f"extracted the application into {target}"
    assert "the latest version is installed" in lines[1]
    assert (target / "launch.py").read_text() == "print('newer launcher')\n"
    assert self_update(target).status == CURRENT
    script = (target / "create_shortcut.ps1").read_text()
    assert f"$shortcut.TargetPath = '{target / 'Launch Data Importer.bat'}'" in script
    assert "'Launch Data Importer.lnk'" in script and "GetFolderPath('Desktop')" in script
    assert not (target / ".env").exists() and not (target / "data").exists()


def test_install_offline_keeps_the_packaged_version(app_repo, tmp_path):
    remote, dev = app_repo
    out = tmp_path / "out"
    installer.build(dev, out, tmp_path / "c.sed")
    remote.rename(tmp_path / "moved.git")
    target = tmp_path / "target"
    lines = installer.install(out, target)
    assert "could not reach" in lines[1] and "packaged version" in lines[1]
    assert (target / "launch.py").read_text() == "print('launcher')\n"
    assert not (target / ".git").exists()


def test_the_default_target_is_the_users_own_folder(tmp_path):
    windows = installer.default_target({"LOCALAPPDATA": r"C:\Users\ann\AppData\Local"}, home=tmp_path)
    assert str(windows).endswith("DataImporter")
    assert str(windows).startswith(r"C:\Users\ann\AppData\Local")
    assert installer.default_target({}, home=tmp_path) == tmp_path / ".local" / "share" / "DataImporter"


def test_the_shortcut_script_quotes_paths_for_powershell(tmp_path):
    script = installer.shortcut_script(tmp_path / "O'Brien" / "DataImporter")
    assert "O''Brien" in script


def test_the_project_itself_packs_its_launcher_and_nothing_local():
    files = {path.as_posix() for path in installer.app_files(project_root())}
    assert {"launch.py", "Launch Data Importer.bat", "build_installer.bat", "pyproject.toml"} <= files
    assert not {name for name in files if name.startswith((".venv/", "data/", "logs/")) or name == ".env"}


def test_the_installer_script_runs_with_python_alone(tmp_path):
    """install_app.py is packed alone: it must not import the project."""
    import sys

    src = project_root() / "elt_project" / "launcher" / "installer.py"
    (tmp_path / "install_app.py").write_bytes(src.read_bytes())
    run = subprocess.run(
        [sys.executable, "-I", "install_app.py", "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0 and "install" in run.stdout
