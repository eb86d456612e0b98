"""Small real HTTP servers on 127.0.0.1 for scraper guard tests: each records what it was sent.

``serve(routes)`` starts one (its own port, so its own origin) and yields a
:class:`Served` with its base URL and the requests it received. A route is a
function ``(handler, hit) -> None`` that writes the answer; unknown paths get a
small JSON list.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Served:
    url: str
    hits: list[Hit] = field(default_factory=list)

    def credentials_seen(self, *secrets: str) -> int:
        """How many requests carried an Authorization header, a cookie, or any of ``secrets`` in their body."""
        count = 0
        for hit in self.hits:
            lowered = {k.lower() for k in hit.headers}
            if "authorization" in lowered or "cookie" in lowered or any(s.encode() in hit.body for s in secrets):
                count += 1
        return count


Route = Callable[[BaseHTTPRequestHandler, Hit], None]


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict | None = None) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def answer_json(handler: BaseHTTPRequestHandler, document, headers: dict | None = None) -> None:
    answer(handler, 200, json.dumps(document).encode(), {"Content-Type": "application/json", **(headers or {})})


@contextmanager
def serve(routes: dict[str, Route] | None = None) -> Iterator[Served]:
    routes = routes or {}
    served = Served("")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            hit = Hit(self.command, self.path, dict(self.headers), self.rfile.read(length) if length else b"")
            with lock:
                served.hits.append(hit)
            route = routes.get(urlsplit(self.path).path)
            if route is None:
                answer_json(self, [{"id": 1}])
            else:
                route(self, hit)

        do_GET = do_POST = _handle  # noqa: N815 (http.server's names)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    served.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
