"""The ELT steps, free of Dagster: map, enrich, stage, check, dedup, transform, ledger, run log.

Public entry points live in :mod:`elt_project.pipeline.api`; results in
:mod:`elt_project.pipeline.results`.
"""
