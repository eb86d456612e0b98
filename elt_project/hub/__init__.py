"""The Analytics & AI Hub's Streamlit shell: login, navigation by role, one module per page.

Only presentation lives here; every query and computation is in :mod:`elt_project.analytics`.
"""
