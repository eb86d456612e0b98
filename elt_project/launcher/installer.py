"""DataImporter-Setup.exe: what ``build_installer.bat`` packs and what the installer does on a PC.

Standard library only, and importing nothing of the project: the same file is packed
into the installer as ``install_app.py`` and runs on a PC that has only Python.

Build (``python -m elt_project.launcher.installer build``, on the developer's machine):
writes ``dist/installer/`` with ``app.zip`` (the tracked files of this folder),
``origin.json`` (the git remote and branch to follow), ``install.cmd``,
``install_app.py``, and ``installer_config.sed`` for Windows IExpress, which turns
them into one self-extracting ``DataImporter-Setup.exe``. IExpress packs a flat list of
files, hence the zip.

Install (``install.cmd`` → ``install_app.py install``, on the user's PC): extract the
app into the user's folder, make it a clone of the remote when Git and the network are
there (so every later start updates itself), create the "Launch Data Importer" desktop
shortcut, then start the launcher, which does the first-time set-up.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

APP_FOLDER = "DataImporter"
SHORTCUT_NAME = "Launch Data Importer"
LAUNCHER_BAT = "Launch Data Importer.bat"
SETUP_EXE = "DataImporter-Setup.exe"
PAYLOAD = ("install.cmd", "install_app.py", "app.zip", "origin.json")
#: Never packed: per-machine state, secrets and build output.
EXCLUDED_PARTS = {".git", ".venv", "data", "logs", "dist", "backups", "__pycache__", ".pytest_cache", "bench"}
EXCLUDED_NAMES = {".env", "installer_config.sed"}


# --- install (runs on the user's PC) ---------------------------------------------------------------


def default_target(environ: dict[str, str] | None = None, home: Path | None = None) -> Path:
    """The user's own application folder: %LOCALAPPDATA%\\DataImporter on Windows (no admin rights)."""
    environ = dict(os.environ if environ is None else environ)
    home = home or Path.home()
    if environ.get("LOCALAPPDATA"):
        return Path(environ["LOCALAPPDATA"]) / APP_FOLDER
    if sys.platform == "win32":
        return home / "AppData" / "Local" / APP_FOLDER
    return home / ".local" / "share" / APP_FOLDER


def shortcut_script(target: Path) -> str:
    """PowerShell that puts a "Launch Data Importer" shortcut on the desktop, pointing at the launcher."""

    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    bat = str(target / LAUNCHER_BAT)
    return "\n".join(
        [
            "$desktop = [Environment]::GetFolderPath('Desktop')",
            f"$link = Join-Path $desktop {quoted(SHORTCUT_NAME + '.lnk')}",
            "$shortcut = (New-Object -ComObject WScript.Shell).CreateShortcut($link)",
            f"$shortcut.TargetPath = {quoted(bat)}",
            f"$shortcut.WorkingDirectory = {quoted(str(target))}",
            f"$shortcut.Description = {quoted('Start the Data Importer and its services')}",
            "$shortcut.Save()",
            "",
        ]
    )


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)  # noqa: S603, S607 — argument list without a shell; the paths are the installer's own; git/powershell looked up on PATH on purpose: the user's installed tool


def make_clone(target: Path, origin: dict) -> str:
    """Turn the extracted folder into a clone that follows ``origin``; say what happened.

    Without Git or a network the extracted version stays and runs, just without updates.
    """
    url, branch = origin.get("url"), origin.get("branch") or "main"
    if not url:
        return "no remote recorded; updates are off"
    if shutil.which("git") is None:
        return "Git not found; installed the packaged version (install Git for automatic updates)"
    if (target / ".git").is_dir():
        return "already a git clone"
    steps = [("init", "-q"), ("remote", "add", "origin", url), ("fetch", "-q", "origin", branch)]
    for step in steps:
        if _git(target, *step).returncode != 0:
            shutil.rmtree(target / ".git", ignore_errors=True)
            return f"could not reach {url}; installed the packaged version, updates start once it is reachable"
    checkout = _git(target, "checkout", "-q", "-f", "-B", branch, "--track", f"origin/{branch}")
    if checkout.returncode != 0:
        shutil.rmtree(target / ".git", ignore_errors=True)
        return f"could not check out {branch}; installed the packaged version"
    return f"following {url} ({branch}); the latest version is installed"


def install(payload_dir: Path, target: Path) -> list[str]:
    """Extract ``app.zip`` into ``target`` (keeping the user's .env, data and .venv) and make it a clone."""
    target.mkdir(parents=True, exist_ok=True)
    if (target / ".git").is_dir():  # installed before: the launcher keeps that clone up to date itself
        lines = [f"{target} is installed already; its launcher updates it", "kept the existing clone"]
        return lines + _shortcut(target)
    with zipfile.ZipFile(payload_dir / "app.zip") as archive:
        for member in archive.namelist():
            destination = (target / member).resolve()
            if not destination.is_relative_to(target.resolve()):
                raise SystemExit(
                    f"app.zip holds a path outside the target folder ({member}); the installer is damaged."
                )
        archive.extractall(target)
    origin_file = payload_dir / "origin.json"
    origin = json.loads(origin_file.read_text()) if origin_file.is_file() else {}
    lines = [f"extracted the application into {target}", make_clone(target, origin)]
    return lines + _shortcut(target)


def _shortcut(target: Path) -> list[str]:
    """Write the shortcut script into the app folder and, on Windows, run it."""
    lines: list[str] = []
    script = target / "create_shortcut.ps1"
    script.write_text(shortcut_script(target), encoding="utf-8")
    if sys.platform == "win32":
        command = ["powershell", "-NoProfile", "-ExecutionPolicy", "Bypass", "-File", str(script)]
        made = subprocess.run(command, capture_output=True)  # noqa: S603 — argument list without a shell, our script
        lines.append(
            f"desktop shortcut '{SHORTCUT_NAME}' created"
            if made.returncode == 0
            else f"could not create the desktop shortcut; run {script.name} in {target} by hand"
        )
    else:
        lines.append(f"desktop shortcuts are made on Windows only; start with python3 launch.py in {target}")
    return lines


# --- build (runs on the developer's machine) -------------------------------------------------------


def app_files(root: Path) -> list[Path]:
    """The files to ship: git's tracked files when this is a clone, else the folder minus local state."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True) if shutil.which("git") else None  # noqa: S607 — git/powershell looked up on PATH on purpose: the user's installed tool
    if listed is not None and listed.returncode == 0 and listed.stdout:
        candidates = [Path(name) for name in listed.stdout.decode().split("\0") if name]
    else:
        candidates = [path.relative_to(root) for path in root.rglob("*") if path.is_file()]
    return sorted(
        path
        for path in candidates
        if (root / path).is_file() and not (set(path.parts) & EXCLUDED_PARTS) and path.name not in EXCLUDED_NAMES
    )


def git_origin(root: Path) -> dict:
    """The remote URL and branch the installed copy will follow (empty when there is none)."""
    if shutil.which("git") is None:
        return {}
    url = _git(root, "remote", "get-url", "origin")
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    if url.returncode != 0:
        return {}
    return {"url": url.stdout.strip(), "branch": branch.stdout.strip() if branch.returncode == 0 else "main"}


INSTALL_CMD = r"""@echo off
rem Runs inside DataImporter-Setup.exe after IExpress extracted it: find Python, then install.
setlocal
cd /d "%~dp0"
where py >nul 2>nul && (set "PY=py -3") || (set "PY=python")
%PY% --version >nul 2>nul || (
  echo Python 3.11 or newer is needed. Install it from https://www.python.org/downloads/
  echo and tick "Add Python to PATH" on the installer's first screen, then run the setup again.
  pause
  exit /b 1
)
%PY% install_app.py install
if errorlevel 1 pause
"""


def sed_config(payload_dir: Path, output_exe: Path) -> str:
    """The IExpress directive file: extract the payload to a temporary folder and run install.cmd."""
    strings = {
        "InstallPrompt": "",
        "DisplayLicense": "",
        "FinishMessage": "",
        "TargetName": str(output_exe),
        "FriendlyName": "Data Importer",
        "AppLaunched": "cmd /c install.cmd",
        "PostInstallCmd": "<None>",
        "AdminQuietInstCmd": "",
        "UserQuietInstCmd": "",
    }
    lines = ["[Version]", "Class=IEXPRESS", "SEDVersion=3", "[Options]"]
    options = {
        "PackagePurpose": "InstallApp",
        "ShowInstallProgramWindow": "1",
        "HideExtractAnimation": "1",
        "UseLongFileName": "1",
        "InsideCompressed": "0",
        "CAB_FixedSize": "0",
        "CAB_ResvCodeSigning": "0",
        "RebootMode": "N",
    }
    lines += [f"{key}={value}" for key, value in options.items()]
    lines += [f"{key}=%{key}%" for key in strings]
    lines += ["SourceFiles=SourceFiles", "[Strings]"]
    lines += [f"{key}={value}" for key, value in strings.items()]
    lines += [f'FILE{number}="{name}"' for number, name in enumerate(PAYLOAD)]
    lines += ["[SourceFiles]", f"SourceFiles0={payload_dir}{os.sep}", "[SourceFiles0]"]
    lines += [f"%FILE{number}%=" for number in range(len(PAYLOAD))]
    return "\r\n".join(lines) + "\r\n"


def build(root: Path, out_dir: Path, sed_path: Path) -> list[str]:
    """Write the payload and the SED file; IExpress (``iexpress /N /Q <sed>``) makes the .exe."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = app_files(root)
    with zipfile.ZipFile(out_dir / "app.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(root / path, path.as_posix())
    (out_dir / "origin.json").write_text(json.dumps(git_origin(root)))
    (out_dir / "install.cmd").write_bytes(INSTALL_CMD.replace("\n", "\r\n").encode())
    shutil.copyfile(Path(__file__), out_dir / "install_app.py")
    sed_path.write_bytes(sed_config(out_dir.resolve(), (out_dir / SETUP_EXE).resolve()).encode("ascii"))
    return [f"{len(files)} files packed into {out_dir / 'app.zip'}", f"IExpress directives written to {sed_path}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="write dist/installer and installer_config.sed")
    build_cmd.add_argument("--root", type=Path, default=Path.cwd())
    build_cmd.add_argument("--out", type=Path, default=None)
    build_cmd.add_argument("--sed", type=Path, default=None)
    install_cmd = commands.add_parser("install", help="install the packed application on this PC")
    install_cmd.add_argument("--target", type=Path, default=None)
    install_cmd.add_argument("--no-launch", action="store_true", help="do not start the launcher afterwards")
    args = parser.parse_args(argv)
    if args.command == "build":
        root = args.root.resolve()
        lines = build(root, args.out or root / "dist" / "installer", args.sed or root / "installer_config.sed")
    else:
        target = args.target or default_target()
        lines = install(Path(__file__).resolve().parent, target)
    for line in lines:
        print(line, flush=True)
    if args.command == "install" and not args.no_launch:
        return subprocess.run([sys.executable, str(target / "launch.py")], cwd=target).returncode  # noqa: S603 — argument list without a shell; the paths are the installer's own
    return 0


if __name__ == "__main__":
    sys.exit(main())
