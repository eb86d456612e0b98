"""A stand-in for an OpenAI-compatible chat server (no real model can run in the tests).

It listens on 127.0.0.1, answers ``POST /v1/chat/completions`` with scripted replies
in order (or with what a function of the request's messages returns), and records
every request body so tests can check what the model was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandInLlm:
    def __init__(self, replies: list[str] | Callable[[list[dict]], str]) -> None:
        self.reply_for = replies if callable(replies) else None
        self.replies = [] if callable(replies) else list(replies)
        self.requests: list[dict] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stand_in.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                if stand_in.reply_for is not None:
                    content = stand_in.reply_for(body["messages"])
                else:
                    content = stand_in.replies.pop(0) if stand_in.replies else "no more replies"
                payload = json.dumps(
                    {
                        "id": "stand-in",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model"),
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                        ],  # noqa: E501
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> StandInLlm:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
