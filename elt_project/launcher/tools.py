"""The administrators' helper scripts at the project root, over the same functions ``elt start`` uses.

``get_credentials.py`` checks (and on a terminal stores) the database login in the OS
keyring; ``create_dirs.py`` creates the monitored folders of the active imports. Each
prints what it found or did and exits 1 with one sentence when something is wrong.
"""

from __future__ import annotations

import sys

from elt_project.errors import EltError


def get_credentials_main() -> int:
    """Report the login found for CREDENTIAL_TARGET; ask for and store it on a terminal when missing."""
    from elt_project.launcher.configure import ensure_login, is_interactive
    from elt_project.settings import load_settings

    try:
        settings = load_settings()
        for line in ensure_login(settings, interactive=is_interactive()):
            print(line)
    except EltError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


def create_dirs_main() -> int:
    """Create every folder an active import watches; list the ones created."""
    from elt_project.db.engine import create_warehouse_engine
    from elt_project.launcher.setup import create_monitored_folders
    from elt_project.settings import load_settings

    try:
        settings = load_settings()
        engine = create_warehouse_engine(settings.warehouse_url(), check=True)
        try:
            created = create_monitored_folders(engine)
        finally:
            engine.dispose()
    except EltError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    for folder in created:
        print(f"created {folder}")
    print(f"{len(created)} monitored folders created" if created else "every monitored folder exists")
    return 0
