"""Analytics logic for the hub and the CLI, free of Streamlit: pages in ``elt_project.hub`` call it."""
