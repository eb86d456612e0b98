"""One retry policy for every outgoing HTTP call (scrapers, alert webhooks): urllib3's ``Retry``.

Why urllib3's rather than a loop of our own: it already tells a request that never
reached the server (a refused connection, always safe to repeat) from one that may
have been acted on (a read timeout, a 5xx), repeats the latter only for the methods
it is given, and reads ``Retry-After`` in both forms the standard allows (seconds and
an HTTP date). Callers decide which methods are safe to repeat: GET and the other
idempotent ones by default, POST only where repeating it cannot do harm twice.
"""

from __future__ import annotations

from collections.abc import Iterable

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

#: Answers worth asking again: too many requests, and the server-side failures that usually pass.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = Retry.DEFAULT_ALLOWED_METHODS
#: A server asking us to come back later than this is treated as down (the run fails and is retried later).
MAX_RETRY_AFTER_SECONDS = 60.0


def retry_policy(attempts: int, backoff_seconds: float, methods: Iterable[str] = IDEMPOTENT_METHODS) -> Retry:
    """``attempts`` tries in all, ``Retry-After`` honoured (capped at a minute).

    Without ``Retry-After``, urllib3 retries the first failure at once and then
    pauses ``2 * backoff_seconds``, ``4 * backoff_seconds``, ... (at most two minutes).
    """
    again = max(0, int(attempts) - 1)
    return Retry(
        total=again,
        connect=again,
        read=again,
        status=again,
        other=0,
        allowed_methods=frozenset(m.upper() for m in methods),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=float(backoff_seconds),
        respect_retry_after_header=True,
        retry_after_max=MAX_RETRY_AFTER_SECONDS,
        raise_on_status=False,
    )


def retrying_session(policy: Retry) -> requests.Session:
    """A requests session whose http and https adapters retry by ``policy``."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def attempts_made(response: requests.Response) -> int:
    """How many times urllib3 sent the request that produced ``response`` (1 when it was not retried)."""
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) + 1 if retries is not None else 1
