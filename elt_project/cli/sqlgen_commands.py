"""`elt` subcommands (sqlgen)."""

from __future__ import annotations

COMMANDS: list = []
