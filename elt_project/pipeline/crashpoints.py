"""Named points where a test can kill the loading process, to prove recovery from each.

A crash test sets ``ELT_CRASH_AT=<point>`` (every time the point is reached) or
``ELT_CRASH_AT=<point>@<file>`` (once: the process kills itself only if it can delete
``<file>``, so the retry that follows runs through; a folder there allows one crash per
file in it) in the environment of a real
``elt run`` or Dagster run worker. ``hang:<point>…`` makes the process stop there (sleep)
instead, for a test that kills it, and whatever started it, from outside. At the point the process SIGKILLs itself: no
``finally``, no rollback handler, no run-log update runs, exactly as when the OS
kills a worker. Unset (always, in production) a point costs one dictionary lookup.

Points, in the order a file meets them:

- ``after_parse``: the first batch is parsed and shaped, its staging write is open;
- ``after_staging_write``: a file's rows are committed to staging, ledger STAGED;
- ``after_quality``: the rules ran, the run log still says STARTED;
- ``mid_transform``: inside the transform's transaction, the destination written;
- ``before_commit``: ledger LOADED and run log SUCCESS written, not committed;
- ``after_commit``: committed; staging rows not yet purged, files not yet archived.
"""

from __future__ import annotations

import os
import signal
import time

ENV_VAR = "ELT_CRASH_AT"
#: How long a ``hang:`` point waits for the test to kill the process.
HANG_S = 600
POINTS = ("after_parse", "after_staging_write", "after_quality", "mid_transform", "before_commit", "after_commit")


def crash_point(name: str) -> None:
    """Kill this process here when ``ELT_CRASH_AT`` names ``name`` (see the module docstring)."""
    wanted = os.environ.get(ENV_VAR)
    if not wanted:
        return
    point, _, once_file = wanted.partition("@")
    hang = point.startswith("hang:")
    if point.removeprefix("hang:") != name:
        return
    if once_file:
        try:
            if os.path.isdir(once_file):  # one crash per file in the folder
                os.remove(os.path.join(once_file, min(os.listdir(once_file))))
            else:
                os.remove(once_file)
        except (FileNotFoundError, ValueError):
            return  # crashed as often as asked already
    if hang:
        time.sleep(HANG_S)
        return
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
