"""``elt start``: the launcher's command (defined in ``elt_project/launcher/command.py``)."""

from __future__ import annotations

from elt_project.launcher.command import start

COMMANDS = [start]
