"""The numbered progress lines a user watches while the product starts.

``launch.py`` prints the first steps (Python, updates, packages) before anything is
installed, then hands the count to ``elt start``, which prints the rest; both speak
through the same line format so the console reads as one sequence:
``[4/8] Preparing the configuration... .env created from .env.example``.
"""

from __future__ import annotations

import sys
from typing import TextIO

#: Every step of a full start, in order. ``launch.py`` owns the first three.
STEPS = (
    "Checking for Python",
    "Checking for updates",
    "Installing packages",
    "Preparing the configuration",
    "Checking the database login",
    "Preparing the warehouse",
    "Starting the services",
    "Opening the browser",
)


class Progress:
    """Prints ``[n/total] title... result`` lines; details go on indented lines below."""

    def __init__(self, first: int = 1, total: int = len(STEPS), out: TextIO | None = None) -> None:
        self.number = first - 1
        self.total = total
        self.out = out or sys.stdout
        self.line_open = False

    def begin(self, title: str) -> None:
        """Start the next step; the line stays open until :meth:`done` gives its result."""
        self.number += 1
        self.out.write(f"[{self.number}/{self.total}] {title}... ")
        self.out.flush()
        self.line_open = True

    def interrupt(self) -> None:
        """Close the open step line, so a question starts on a line of its own."""
        if self.line_open:
            self.out.write("\n")
            self.out.flush()
            self.line_open = False

    def done(self, result: str) -> None:
        """The step's result: on its line, or indented below the questions that interrupted it."""
        self.out.write(f"{result}\n" if self.line_open else f"      {result}\n")
        self.out.flush()
        self.line_open = False

    def detail(self, line: str) -> None:
        self.out.write(f"      {line}\n")
        self.out.flush()
