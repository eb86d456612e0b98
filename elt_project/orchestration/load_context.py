"""The one place this project touches Dagster's private definitions-load context.

Dagster 1.13 exposes no public way to install a load context for in-process
commands (``dagster asset materialize -m``, ``dagster job execute -m``); without one,
``DefinitionsLoadContext.get()`` hands back a fresh context on every call and a
state-backed component cannot find the snapshot it stored (DAGSTER_NOTES.md).
The private import is confined to :func:`ensure_load_context`, and
``tests/orchestration/test_private_dagster_apis.py`` fails when an upgrade moves it.
"""

from __future__ import annotations

from dagster._core.definitions.definitions_load_context import DefinitionsLoadContext, DefinitionsLoadType


def ensure_load_context() -> None:
    """Install an initialization load context unless a code server already set one.

    It stays in place afterwards (as Dagster's own loaders leave it), so the repository
    built next carries the component's snapshot.
    """
    if not DefinitionsLoadContext.is_set():
        DefinitionsLoadContext.set(DefinitionsLoadContext(load_type=DefinitionsLoadType.INITIALIZATION))
