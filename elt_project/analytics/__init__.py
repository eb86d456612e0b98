"""Analytics logic, free of Streamlit and Dagster: series, models, root cause, dashboards, stories.

The hub's pages, the Dagster asset and the ``elt analytics`` command are thin
shells over these modules.
"""
