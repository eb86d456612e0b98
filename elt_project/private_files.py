"""Owner-only files and folders for what the product keeps on disk that others must not read.

The embedded warehouse holds password hashes and the loaded data, the session key file signs
every login cookie, ``.env`` names the database, and the search index copies row text. On POSIX
they are created 0600 (folders the product makes for them 0700), whatever the umask, so another
local account cannot read them. Files made before this rule are tightened when opened, if this
process owns them. Windows has no mode bits to set here: its folder ACLs decide.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> Path:
    """Make ``path`` and any missing parents; the folders made here are owner-only."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another process
            continue
        if os.name == "posix":
            os.chmod(folder, FOLDER_MODE)  # mkdir's mode passes through the umask
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and owner-only when missing; tighten an existing one this process owns."""
    path = Path(path)
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        tighten(path)
    return path


def tighten(path: Path) -> None:
    """Make an existing file that this process owns owner-only (nothing when missing, or not POSIX)."""
    if os.name != "posix":
        return
    try:
        status = Path(path).stat()
    except FileNotFoundError:
        return
    if status.st_uid == os.getuid() and stat.S_IMODE(status.st_mode) & 0o077:
        os.chmod(path, FILE_MODE)
