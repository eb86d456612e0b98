"""Serve the Data Importer page with waitress on BIND_HOST:RUNNER_PORT (default 127.0.0.1:3000)."""

from __future__ import annotations

import sys


def main() -> int:
    from waitress import serve

    from elt_project.errors import EltError
    from elt_project.runner import create_app
    from elt_project.runner.server import waitress_options
    from elt_project.settings import load_settings

    try:
        settings = load_settings()
        app = create_app({"SETTINGS": settings})
    except EltError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(f"Data Importer page on http://{settings.bind_host}:{settings.runner_port}/ ({settings.runner_auth} mode)")
    serve(app, **waitress_options(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
