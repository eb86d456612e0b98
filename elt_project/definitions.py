"""Dagster entry point (workspace.yaml points here); it only assembles.

Everything is built when Dagster calls :func:`defs`, never at import: the
config table is read once per load or reload of the code location, and run
workers rebuild from that snapshot (see :mod:`elt_project.orchestration.component`).
"""

import dagster as dg

from elt_project.orchestration.analytics import analytics_definitions
from elt_project.orchestration.component import ConfigTableComponent


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(dg.build_defs_for_component(ConfigTableComponent()), analytics_definitions())
