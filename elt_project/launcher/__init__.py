"""Set-up steps and the service supervisor behind ``elt start`` and ``launch.py``."""
