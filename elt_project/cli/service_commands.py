"""`elt` subcommands (service)."""

from __future__ import annotations

COMMANDS: list = []
