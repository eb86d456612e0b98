"""Dagster entry point (workspace.yaml points here); it only assembles.

Everything is built when Dagster calls :func:`defs`, never at import: the
config table is read once per load or reload of the code location, and run
workers rebuild from that snapshot (see :mod:`elt_project.orchestration.component`).
"""

import dagster as dg

from elt_project.orchestration.analytics import analytics_definitions
from elt_project.orchestration.component import ConfigTableComponent
from elt_project.orchestration.load_context import ensure_load_context


@dg.definitions
def defs() -> dg.Definitions:
    """The code location.

    Code servers set a load context before calling this; in-process commands
    (``dagster asset list/materialize``, ``dagster job execute``) do not, and then
    every ``DefinitionsLoadContext.get()`` returns a fresh context, so the snapshot
    stored on one is looked up on another. Installing one initialization context
    (as Dagster's own loaders do, and leaving it in place so the repository built
    next carries the snapshot) makes both kinds of load behave the same.
    """
    ensure_load_context()
    return dg.Definitions.merge(dg.build_defs_for_component(ConfigTableComponent()), analytics_definitions())
