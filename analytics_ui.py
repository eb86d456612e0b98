"""Entry of the Analytics & AI Hub: ``streamlit run analytics_ui.py`` (port 8501 by default)."""

from elt_project.hub.app import main

main()
