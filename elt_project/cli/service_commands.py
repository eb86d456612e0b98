"""``elt start`` and ``elt stop``: the launcher's commands (defined in ``elt_project/launcher/command.py``)."""

from __future__ import annotations

from elt_project.launcher.command import start, stop

COMMANDS = [start, stop]
