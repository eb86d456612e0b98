"""One benchmark case: a question, its gold SQL (one text, or one per dialect) and whether order matters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    question: str
    gold: str | dict[str, str]
    ordered: bool = False

    def gold_for(self, dialect: str) -> str:
        return self.gold if isinstance(self.gold, str) else self.gold[dialect]
