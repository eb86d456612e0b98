"""The project's own exceptions.

Library and driver errors are translated into these at the boundary
(``raise ... from exc``) so a user sees one clear sentence that says what to do,
while the full detail stays in the orchestrator's log.

``TransientError`` marks failures worth retrying (a locked database, a file still
being written); everything else is terminal until someone changes something.
"""

from __future__ import annotations


class EltError(Exception):
    """Base of every error the project raises on purpose.

    ``resolution`` is a short instruction stored in ``etl_pipeline_run_logs.resolution_steps``.
    """

    resolution: str = "See the run's log in Dagster for details."

    def __init__(self, message: str, *, resolution: str | None = None) -> None:
        super().__init__(message)
        if resolution is not None:
            self.resolution = resolution


class ConfigurationError(EltError):
    """A setting, config row or rule is wrong; a person must fix it."""

    resolution = "Correct the named setting or configuration row and run again."


class WarehouseUnavailable(EltError):
    """The warehouse cannot be reached."""

    resolution = "Check DATABASE_URL (or DB_SERVER/DB_DATABASE) and that the database server is running."


class SourceFileError(EltError):
    """A source file cannot be read or does not have the expected shape."""

    resolution = "Fix or replace the file in the monitored folder, then run the import again."


class DataQualityFailure(EltError):
    """A FAIL-severity data-quality rule found bad rows; the transform did not run."""

    resolution = "Inspect elt_rejected_rows for this run, correct the source file and drop it again."


class TransformError(EltError):
    """The transform failed; the destination is unchanged."""

    resolution = "Fix the transform procedure or script named in the message and run again."


class TransientError(EltError):
    """A failure that may go away on retry (locked database, file still being copied)."""

    resolution = "Run the import again in a minute."


class DiskFull(EltError):
    """No space left on the disk the load writes to; nothing was committed, the source file is untouched."""

    resolution = "Free space on the disk that holds the warehouse or the data folder, then run the import again."


class InternalError(EltError):
    """Something the project did not expect: a bug to report, not something a user can fix."""

    resolution = "Report this with the run's log (Dagster run page, or the console of `elt`)."
