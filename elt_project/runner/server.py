"""How waitress serves the page (``simple_ui.py``), kept here so tests start it the same way.

waitress reads a whole request body — to a temporary file once it is large — before
the app sees the request, and by default accepts bodies up to 1 GiB, chunked or not.
So the cap must be waitress's own: :func:`max_body_bytes` (the upload limit plus room
for the form around the file) is both waitress's ``max_request_body_size`` and
Flask's ``MAX_CONTENT_LENGTH``, one number from ``RUNNER_UPLOAD_MAX_MB``. A larger
``Content-Length`` is refused at once; a chunked body is cut off (413) as soon as
it passes the cap.
"""

from __future__ import annotations

from typing import Any

from elt_project.settings import Settings

#: Room for the multipart headers and the other form fields around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def max_body_bytes(settings: Settings) -> int:
    """The largest request body the page takes: one upload at the limit, in its form."""
    return settings.runner_upload_max_mb * 1024 * 1024 + FORM_OVERHEAD_BYTES


def waitress_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``waitress.serve``/``create_server`` (host and port included)."""
    return {
        "host": settings.bind_host,
        "port": settings.runner_port,
        "threads": 8,
        "ident": "Data Importer",
        "max_request_body_size": max_body_bytes(settings),
    }
