"""`elt` subcommands (run)."""

from __future__ import annotations

COMMANDS: list = []
