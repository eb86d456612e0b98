"""Check the database login in the OS keyring (Windows Credential Manager); on a terminal, store it.

    python get_credentials.py

The same step ``elt start`` runs; the entry's name is CREDENTIAL_TARGET in ``.env``.
"""

from elt_project.launcher.tools import get_credentials_main

if __name__ == "__main__":
    raise SystemExit(get_credentials_main())
