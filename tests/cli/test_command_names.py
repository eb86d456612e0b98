"""Every `elt ...` command that a message or a document tells the user to run exists.

The list of commands is read from the live ``elt`` click group, so a command
added in a new module is known here as soon as it is registered.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from elt_project.cli import main
from elt_project.settings import project_root

ROOT = project_root()
#: `elt word ...` in inline code; in f-strings the rest may be a placeholder such as {name}.
INLINE = re.compile(r"`(?:python3 launch\.py )?elt ([^`\n]*)`")
#: A person is told to run `elt ...` without the spelling that works unactivated (`python3 launch.py elt ...`).
BARE = re.compile(r"(?<![`\w])`elt [^`\n]*`(?!`)|<code>elt ")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
WORD = re.compile(r"[a-z][a-z0-9_-]*$")


def _sources() -> list[Path]:
    files = sorted((ROOT / "elt_project").rglob("*.py"))
    files += sorted((ROOT / "docs").glob("*.md"))
    files += [p for p in (ROOT / "README.md", ROOT / "launch.py") if p.is_file()]
    return files + sorted((ROOT / "elt_project").rglob("*.html"))


def _quoted_commands(text: str) -> list[list[str]]:
    """The words after ``elt`` in inline code and in command lines of fenced blocks."""
    found = [match.group(1).split() for match in INLINE.finditer(text)]
    for block in FENCE.findall(text):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ").removeprefix("python3 launch.py ")
            if line.startswith("elt "):
                found.append(line.split("#", 1)[0].split()[1:])
    return [words for words in found if words]


def _unknown(words: list[str]) -> str | None:
    """A description of the first word that is not a command (or subcommand), else None."""
    group: click.Group = main
    path = ["elt"]
    for word in words:
        if not WORD.match(word):
            return None  # an option, a placeholder or a value: the command part is over
        command = group.get_command(click.Context(group), word)
        if command is None:
            return f"`{' '.join(path)} {word}` is not a command"
        if not isinstance(command, click.Group):
            return None
        group, path = command, [*path, word]
    return None


def test_the_scan_finds_the_commands_it_checks():
    quoted = [words for path in _sources() for words in _quoted_commands(path.read_text(encoding="utf-8"))]
    firsts = {words[0] for words in quoted}
    assert {"db", "run", "imports", "setup-sql", "backup", "restore", "start"} <= firsts
    assert _unknown(["sqlgen"]) == "`elt sqlgen` is not a command"
    assert _unknown(["db", "nonesuch"]) == "`elt db nonesuch` is not a command"
    assert _unknown(["run", "sales_daily_csv"]) is None


def test_every_quoted_elt_command_exists():
    problems = []
    for path in _sources():
        for words in _quoted_commands(path.read_text(encoding="utf-8")):
            unknown = _unknown(words)
            if unknown:
                problems.append(f"{path.relative_to(ROOT)}: {unknown}")
    assert problems == []


def test_messages_and_documents_spell_elt_commands_so_they_run_without_activating_the_venv():
    """`elt` is in .venv only; `python3 launch.py elt ...` runs it from the project folder anywhere."""
    bare = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        bare += [f"{path.relative_to(ROOT)}: {match.group(0)}" for match in BARE.finditer(text)]
        for block in FENCE.findall(text):
            bare += [
                f"{path.relative_to(ROOT)}: {line.strip()}"
                for line in block.splitlines()
                if line.strip().startswith(("elt ", "$ elt "))
            ]
    assert bare == []
