"""Ordering the imports of a group so that ``depends_on`` imports stage first."""

from __future__ import annotations

from collections.abc import Sequence

from elt_project.config.models import PipelineConfig


def dependency_order(configs: Sequence[PipelineConfig]) -> list[PipelineConfig]:
    """``configs`` with every in-group ``depends_on`` import placed before its dependant.

    Names outside ``configs`` are ignored, and a cycle cannot loop forever: an import
    is placed once, when first reached. Otherwise the given order is kept.
    """
    by_name = {config.import_name: config for config in configs}
    ordered: list[PipelineConfig] = []
    placed: set[str] = set()

    def place(config: PipelineConfig) -> None:
        if config.import_name in placed:
            return
        placed.add(config.import_name)
        for name in config.depends_on:
            if name in by_name:
                place(by_name[name])
        ordered.append(config)

    for config in configs:
        place(config)
    return ordered
