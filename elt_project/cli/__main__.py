"""``python -m elt_project.cli``: the same as the ``elt`` command."""

from elt_project.cli import main

main()
