"""Words for what the data calls by machine names: column headers a person reads."""

from __future__ import annotations

import re

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
#: Words shown in capitals inside a header.
_ACRONYMS = {"id", "sku", "url", "csv", "kpi", "sql", "utc"}


def readable_header(name: str) -> str:
    """``total_amount`` -> ``Total amount``, ``customer_id`` -> ``Customer ID``; other names unchanged."""
    if not _SNAKE.match(name):
        return name
    words = [w.upper() if w in _ACRONYMS else w for w in name.split("_")]
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def readable_headers(names: list[str]) -> dict[str, str]:
    """Each name's readable header; a name keeps itself when two would read the same."""
    headers = {name: readable_header(str(name)) for name in names}
    taken: dict[str, int] = {}
    for label in headers.values():
        taken[label] = taken.get(label, 0) + 1
    return {name: label if taken[label] == 1 else str(name) for name, label in headers.items()}
