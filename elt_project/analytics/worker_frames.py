"""The frames a model worker and its pool exchange: one length-prefixed pickle each.

A leaf module of its own, so that the pool (:mod:`model_pool`) and the worker
(:mod:`model_worker`) share the format without importing each other.
Pickle is safe here: both ends are this program, over a private pipe.
"""

from __future__ import annotations

import pickle
import struct
from typing import IO, Any

_LENGTH = struct.Struct("!Q")


def write_frame(stream: IO[bytes], payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next frame's object; EOFError when the other end has closed."""
    header = _read_exactly(stream, _LENGTH.size)
    return pickle.loads(_read_exactly(stream, _LENGTH.unpack(header)[0]))  # noqa: S301 — frames come only from our own worker process over its private pipe


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the other end closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
