"""Showing text that comes from the data (segment names, stories) as the words it is, not as markup."""

from __future__ import annotations

import re

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def literal_markdown(text: str) -> str:
    """``text`` with every Markdown character escaped: a value like ``[x](http://…)`` stays plain text."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
