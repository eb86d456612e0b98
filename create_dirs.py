"""Create every monitored folder named by an active import.

    python create_dirs.py

The same step ``elt start`` runs before the file sensors start.
"""

from elt_project.launcher.tools import create_dirs_main

if __name__ == "__main__":
    raise SystemExit(create_dirs_main())
