"""A model worker process: ``python -m elt_project.analytics.model_worker``.

It reads jobs from standard input and writes results to standard output, one
length-prefixed pickle frame each, until its input closes (which is also what
happens when the parent dies, so a worker never outlives its batch's process).
It is started as a module of its own, not through ``multiprocessing``, so that it
never re-imports the parent's main script (a Streamlit page, a user's script).

The frame format is in :mod:`elt_project.analytics.worker_frames`, shared with the pool.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import BinaryIO

from elt_project.analytics.worker_frames import read_frame, write_frame


def _private_pipes() -> tuple[BinaryIO, BinaryIO]:
    """Keep the protocol on copies of stdin/stdout; anything a library prints goes to stderr."""
    jobs = os.fdopen(os.dup(0), "rb")
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return jobs, results


def main() -> int:
    jobs, results = _private_pipes()
    from elt_project.analytics.model_pool import run_job, warm_up

    warm_up()
    write_frame(results, ("ready", None))
    while True:
        try:
            job, modules = read_frame(jobs)
        except EOFError:
            return 0
        try:
            write_frame(results, ("ok", run_job(job, modules)))
        except Exception as exc:  # reported to the parent, which raises it as the in-process run would
            write_frame(results, ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl+C reaches the whole console group; the parent reports it
        sys.exit(130)
