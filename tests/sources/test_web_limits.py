"""Scraper answers are bounded in bytes and time; only idempotent requests are retried; Retry-After is honoured.

Every server here is real (tests/sources/servers.py) and counts what it was sent.
"""

from __future__ import annotations

import gzip
import math
import time
from email.utils import formatdate

import pytest

from elt_project.errors import ConfigurationError, SourceFileError, TransientError
from elt_project.ingest.sources.web import WebScraper
from tests.sources.conftest import LOCAL, read_records
from tests.sources.servers import answer, answer_json, serve

FAST = {"max_attempts": 3, "backoff_seconds": 0.01}


def scrape(source_context, url: str, **config):
    return WebScraper({"allowed_hosts": LOCAL, "data_extraction": {"url": url}, **config}).fetch(source_context())


def busy_once(retry_after):
    """503 with ``retry_after()`` as Retry-After on the first hit, then a JSON page."""
    state = {"hits": 0}

    def route(handler, hit):
        state["hits"] += 1
        if state["hits"] == 1:
            answer(handler, 503, b"busy", {"Retry-After": retry_after()})
        else:
            answer_json(handler, [{"id": 1}])

    return route


def test_retry_after_in_seconds_is_waited(source_context):
    with serve({"/busy": busy_once(lambda: "2")}) as site:
        started = time.monotonic()
        [fetched] = scrape(source_context, f"{site.url}/busy", retries=FAST)
        waited = time.monotonic() - started
    assert read_records(fetched.path) == [{"id": 1}] and len(site.hits) == 2
    assert 1.9 <= waited < 5


def test_retry_after_as_an_http_date_is_waited(source_context):
    # Whole seconds only in an HTTP date: the next whole second plus two is 2 to 3 s ahead.
    with serve({"/busy": busy_once(lambda: formatdate(math.ceil(time.time()) + 2, usegmt=True))}) as site:
        started = time.monotonic()
        scrape(source_context, f"{site.url}/busy", retries=FAST)
        waited = time.monotonic() - started
    assert len(site.hits) == 2
    assert 1.9 <= waited < 5


def test_a_post_answered_503_is_not_sent_again(source_context, monkeypatch):
    monkeypatch.setenv("FORM_PASSWORD", "pw")
    config = {
        "allowed_hosts": LOCAL,
        "retries": FAST,
        "authentication": {
            "method": "form",
            "login_url": None,
            "fetch_login_page": False,
            "payload": {"password_env_var": "FORM_PASSWORD"},
        },
    }
    with serve({"/login": lambda h, hit: answer(h, 503, b"busy")}) as site:
        config["authentication"]["login_url"] = f"{site.url}/login"
        config["data_extraction"] = {"url": f"{site.url}/data"}
        with pytest.raises(TransientError, match="HTTP 503 after 1 attempts"):
            WebScraper(config).fetch(source_context())
        assert [h.method for h in site.hits] == ["POST"]

        config["retries"] = {**FAST, "retry_post": True}  # the config says this form may be sent twice
        site.hits.clear()
        with pytest.raises(TransientError, match="HTTP 503 after 3 attempts"):
            WebScraper(config).fetch(source_context())
        assert [h.method for h in site.hits] == ["POST"] * 3


def test_a_post_that_times_out_is_not_sent_again_but_a_get_is(source_context, monkeypatch):
    monkeypatch.setenv("FORM_PASSWORD", "pw")

    def slow(handler, hit):
        time.sleep(1.0)
        answer_json(handler, [{"id": 1}])

    with serve({"/login": slow, "/data": slow}) as site:
        config = {
            "allowed_hosts": LOCAL,
            "timeout_seconds": 0.3,
            "retries": {"max_attempts": 2, "backoff_seconds": 0.01},
            "authentication": {
                "method": "form",
                "login_url": f"{site.url}/login",
                "fetch_login_page": False,
                "payload": {"password_env_var": "FORM_PASSWORD"},
            },
            "data_extraction": {"url": f"{site.url}/data"},
        }
        with pytest.raises(TransientError, match="timed out"):
            WebScraper(config).fetch(source_context())
        assert [h.method for h in site.hits] == ["POST"]
        site.hits.clear()
        with pytest.raises(TransientError, match="timed out"):
            scrape(source_context, f"{site.url}/data", timeout_seconds=0.3, retries=config["retries"])
        assert [h.method for h in site.hits] == ["GET", "GET"]


def test_an_answer_larger_than_the_limit_is_refused(source_context):
    big = b"[" + b'{"id": 1},' * 200_000 + b'{"id": 2}]'  # about 2 MB

    def unsized(handler, hit):  # no Content-Length: the body ends when the connection closes
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(big)
        handler.close_connection = True

    def bomb(handler, hit):  # 50 MB of zeros, gzip-encoded to about 50 KB
        answer(handler, 200, gzip.compress(b"0" * 50_000_000), {"Content-Encoding": "gzip"})

    routes = {"/sized": lambda h, hit: answer(h, 200, big), "/unsized": unsized, "/gzip": bomb}
    with serve(routes) as site:
        for path in routes:
            with pytest.raises(SourceFileError, match="more than max_response_bytes=1,000,000 bytes"):
                scrape(source_context, f"{site.url}{path}", max_response_bytes=1_000_000)
        assert len(read_records(scrape(source_context, f"{site.url}/sized")[0].path)) == 200_001


def test_a_server_that_drips_is_cut_off_at_the_request_time_limit(source_context):
    def drip(handler, hit):  # every byte arrives well within the read timeout; the whole never does
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(300):
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)

    with serve({"/drip": drip}) as site:
        started = time.monotonic()
        with pytest.raises(TransientError, match="longer than max_request_seconds=2"):
            scrape(source_context, f"{site.url}/drip", timeout_seconds=1, max_request_seconds=2)
        assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    "bad",
    [{"allowed_hosts": "127.0.0.1"}, {"max_response_bytes": "lots"}, {"retries": {"max_attempts": "x"}}],
)
def test_bad_limit_settings_are_refused_when_the_config_is_built(bad):
    with pytest.raises(ConfigurationError, match="scraper_config"):
        WebScraper({"data_extraction": {"url": "https://example.org/api"}, **bad})
