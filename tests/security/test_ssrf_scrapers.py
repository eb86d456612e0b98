"""Scrapers do not reach loopback, private or link-local addresses unless a config allows them.

A canary server on 127.0.0.1 counts every request it gets; each refused spelling
of its address must leave it at 0. The same canary is reached when the config
allows it, so a 0 means "refused", not "could not connect".
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pytest

from elt_project.errors import ConfigurationError, TransientError
from elt_project.ingest.sources.base import SourceContext
from elt_project.ingest.sources.http import GuardedSession, is_public
from elt_project.ingest.sources.secrets import SecretBook
from elt_project.ingest.sources.selenium_scraper import SeleniumScraper
from elt_project.ingest.sources.web import WebScraper
from tests.sources.servers import answer, serve

LOOPBACK_SPELLINGS = ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "[::ffff:127.0.0.1]", "localhost"]


@pytest.fixture
def canary():
    with serve() as served:
        yield served


def scrape(url: str, **config) -> list:
    return WebScraper({"data_extraction": {"url": url}, **config}).fetch(_context())


def _context():
    work = Path(tempfile.mkdtemp())
    return SourceContext(import_name="t", work_dir=work, log_dir=work / "logs", secrets=SecretBook())


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_by_default_and_logged(canary, host, caplog):
    port = canary.url.rsplit(":", 1)[1]
    with caplog.at_level(logging.WARNING, logger="elt_project.ingest.sources.http"):
        with pytest.raises(ConfigurationError, match="loopback, private or link-local address.*'allowed_hosts'"):
            scrape(f"http://{host}:{port}/data")
    assert canary.hits == []
    assert "Refused scraper request" in caplog.text


def test_the_canary_is_reached_when_the_config_allows_it(canary):
    port = canary.url.rsplit(":", 1)[1]
    scrape(f"http://127.0.0.1:{port}/data", allowed_hosts=["127.0.0.1"])
    scrape(f"http://2130706433:{port}/data", allow_private_networks=True)
    assert len(canary.hits) == 2


def test_a_redirect_inward_is_checked_again(canary):
    """The first hop is allowed by name; the redirect to another spelling of loopback is not followed."""
    port = canary.url.rsplit(":", 1)[1]
    inward = f"http://127.1:{port}/data"
    with serve({"/go": lambda h, hit: answer(h, 302, headers={"Location": inward})}) as start:
        go = start.url.replace("127.0.0.1", "localhost") + "/go"
        with pytest.raises(ConfigurationError, match="Host 127.1 is not in scraper_config 'allowed_hosts'"):
            scrape(go, allowed_hosts=["localhost"])
    assert len(start.hits) == 1 and canary.hits == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:70/_x", "dict://127.0.0.1:11211/"]
)
def test_other_schemes_are_refused(url):
    with pytest.raises(ConfigurationError, match="not an http or https URL"):
        scrape(url, allow_private_networks=True)


def test_a_redirect_to_a_file_url_is_refused(canary):
    with serve({"/go": lambda h, hit: answer(h, 302, headers={"Location": "file:///etc/passwd"})}) as start:
        with pytest.raises(ConfigurationError, match="not an http or https URL"):
            scrape(f"{start.url}/go", allowed_hosts=["127.0.0.1"])


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1",
     "fc00::1", "::ffff:10.0.0.1", "2002:7f00:1::", "224.0.0.1"],
)  # fmt: skip
def test_inward_address_ranges_are_not_public(address):
    assert not is_public(address)


def test_public_addresses_pass_the_address_check():
    assert is_public("93.184.216.34") and is_public("2606:2800:220:1:248:1893:25c8:1946")


def test_metadata_address_is_refused_without_a_connection():
    """169.254.169.254 (cloud instance metadata) is refused before any socket is opened."""
    session = GuardedSession({})
    with pytest.raises(ConfigurationError, match="169.254.169.254"):
        session.check("http://169.254.169.254/latest/meta-data/")


@pytest.mark.parametrize("where", ["login_url", "navigate", "data_extraction"])
def test_browser_scrapes_refuse_loopback_before_the_browser_starts(canary, where):
    port = canary.url.rsplit(":", 1)[1]
    url = f"http://127.1:{port}/page"
    config = {"data_extraction": [{"target_import_name": "t"}]}
    if where == "login_url":
        config["login_url"] = url
    elif where == "navigate":
        config["actions"] = [{"type": "if", "condition": {"type": "element_exists", "selector": "id",
                                                          "selector_value": "x"},
                              "then": [{"type": "navigate", "url": url}], "else": []}]  # fmt: skip
    else:
        config["data_extraction"][0]["url"] = url
    with pytest.raises(ConfigurationError, match="Host 127.1 resolves to 127.0.0.1"):
        SeleniumScraper(config).fetch(_context())
    assert canary.hits == []


def test_a_host_that_does_not_resolve_is_a_transient_failure_in_one_sentence():
    with pytest.raises(TransientError, match=r"^Host no-such-host.invalid could not be resolved; check the URL"):
        GuardedSession({}).check("http://no-such-host.invalid/data")
