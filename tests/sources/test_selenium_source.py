"""generic_selenium_scraper in headless Debian Chromium against the real test site."""

from __future__ import annotations

import os
import shutil

import pytest

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest.sources.selenium_driver import NO_DRIVER, start_chrome
from elt_project.ingest.sources.selenium_scraper import SeleniumScraper
from tests.sources import site
from tests.sources.conftest import LOCAL, allow_local, read_records

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not shutil.which("chromedriver") and not os.environ.get("CI"),  # under CI a missing driver fails
        reason="chromium-driver is not installed (.ci/run installs it)",
    ),
]

#: The product docs' "Example 1: Site with TOTP Login", as written there but for the site's address.
DOCS_EXAMPLE_1 = """{
    "driver_options": {
        "headless": true
    },
    "login_url": "https://some-complex-site.com/login",
    "actions": [
        {
            "type": "find_and_fill",
            "selector": "id",
            "selector_value": "username-field",
            "value_env_var": "COMPLEX_SITE_USERNAME"
        },
        {
            "type": "find_and_fill",
            "selector": "id",
            "selector_value": "password-field",
            "value_env_var": "COMPLEX_SITE_PASSWORD"
        },
        {
            "type": "click",
            "selector": "xpath",
            "selector_value": "//button[text()='Sign In']"
        },
        {
            "type": "wait_for_element",
            "selector": "id",
            "selector_value": "totp-input-field",
            "timeout": 10
        },
        {
            "type": "find_and_fill_totp",
            "selector": "id",
            "selector_value": "totp-input-field",
            "totp_secret_env_var": "COMPLEX_SITE_TOTP_SECRET"
        },
        {
            "type": "click",
            "selector": "xpath",
            "selector_value": "//button[text()='Verify']"
        },
        {
            "type": "wait_for_element",
            "selector": "css_selector",
            "selector_value": ".dashboard-welcome-message",
            "timeout": 15
        }
    ],
    "data_extraction": [
        {
            "target_import_name": "complex_site_data",
            "method": "html_table",
            "table_index": 0
        }
    ]
}"""


def docs_example_1(base_url: str) -> str:
    """The docs example pointed at the test site, which is on loopback: allowed explicitly."""
    return allow_local(DOCS_EXAMPLE_1.replace("https://some-complex-site.com", base_url))


def login_steps() -> list[dict]:
    import json

    return json.loads(DOCS_EXAMPLE_1)["actions"]


def test_docs_example_1_totp_login_then_table(base_url, source_context):
    import json

    [fetched] = SeleniumScraper(json.loads(docs_example_1(base_url))).fetch(source_context())
    assert fetched.name == "complex_site_data"
    assert read_records(fetched.path) == [{"region": "North", "sales": "100"}, {"region": "South", "sales": "250"}]


def test_if_closes_the_popup_and_js_rendered_table_is_read(base_url, source_context):
    config = {
        "allowed_hosts": LOCAL,
        "driver_options": {"headless": True},
        "login_url": f"{base_url}/login",
        "actions": [
            *login_steps(),
            {
                "type": "if",
                "condition": {
                    "type": "element_exists",
                    "selector": "id",
                    "selector_value": "popup-modal",
                    "timeout": 3,
                },
                "then": [{"type": "click", "selector": "xpath", "selector_value": "//button[text()='Close']"}],
                "else": [],
            },
            {"type": "click", "selector": "id", "selector_value": "to-report"},  # hidden by the popup until closed
            {"type": "wait_for_element", "selector": "id", "selector_value": "report", "timeout": 10},
        ],
        "data_extraction": [{"target_import_name": "report", "method": "html_table", "table_index": 0}],
    }
    [fetched] = SeleniumScraper(config).fetch(source_context())
    assert read_records(fetched.path) == [{"sku": "A-1", "qty": "5"}, {"sku": "B-2", "qty": "0"}]


def test_while_loop_walks_paginated_tables(base_url, source_context):
    accumulate = {
        "type": "extract_and_accumulate",
        "target_import_name": "my_paginated_data",
        "method": "html_table",
        "table_index": 0,
    }
    next_button = {"type": "element_exists", "selector": "id", "selector_value": "next-page-button", "timeout": 2}
    config = {
        "allowed_hosts": LOCAL,
        "login_url": f"{base_url}/paged?page=1",
        "actions": [
            {
                "type": "while_loop",
                "condition": next_button,
                "max_iterations": 10,
                "loop_actions": [accumulate, {"type": "click", "selector": "id", "selector_value": "next-page-button"}],
            },
            accumulate,  # the last page has no next button
        ],
    }
    [fetched] = SeleniumScraper(config).fetch(source_context())
    assert [r["n"] for r in read_records(fetched.path)] == [str(n) for n in range(1, 8)]

    config["actions"][0]["max_iterations"] = 1
    with pytest.raises(SourceFileError, match=r"Step 1 \(while_loop\).*max_iterations=1"):
        SeleniumScraper(config).fetch(source_context())


def test_a_failing_step_is_named_with_evidence_saved(base_url, source_context):
    context = source_context()
    config = {
        "allowed_hosts": LOCAL,
        "login_url": f"{base_url}/login",
        "actions": [
            {
                "type": "find_and_fill",
                "selector": "id",
                "selector_value": "username-field",
                "value_env_var": "COMPLEX_SITE_USERNAME",
            },
            {"type": "click", "selector": "css_selector", "selector_value": "button.missing", "timeout": 1},
        ],
        "data_extraction": [{"target_import_name": "x", "table_index": 0}],
    }
    with pytest.raises(SourceFileError) as caught:
        SeleniumScraper(config).fetch(context)
    message = str(caught.value)
    assert "Step 2 (click, css_selector 'button.missing') failed" in message
    assert "did not appear in time" in message and str(context.log_dir) in message
    assert (context.log_dir / "step_2.png").stat().st_size > 0
    assert "username-field" in (context.log_dir / "step_2.html").read_text()


def test_wrong_totp_fails_at_the_next_step(base_url, source_context, monkeypatch):
    import json

    monkeypatch.setenv("COMPLEX_SITE_TOTP_SECRET", "KRSXG5CTMVRXEZLU")
    config = json.loads(docs_example_1(base_url))
    config["actions"][-1]["timeout"] = 2
    with pytest.raises(SourceFileError, match=r"Step 7 \(wait_for_element, css_selector") as caught:
        SeleniumScraper(config).fetch(source_context())
    assert "KRSXG5CTMVRXEZLU" not in str(caught.value)


def test_no_driver_offline_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium, no chromedriver
    monkeypatch.setenv("HOME", str(tmp_path))  # no Selenium Manager cache
    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_CACHE_PATH", str(tmp_path / "cache"))
    with pytest.raises(ConfigurationError) as caught:
        start_chrome({"headless": True}, tmp_path / "profile")
    assert str(caught.value) == NO_DRIVER


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        ([{"type": "teleport"}], "Step 1 (teleport) of scraper_config actions has unknown type 'teleport'"),
        ([{"type": "click", "selector": "id"}], "Step 1 (click) of scraper_config actions needs a 'selector_value'"),
        ([{"type": "click", "selector": "tag", "selector_value": "a"}], "has selector 'tag'"),
        (
            [
                {
                    "type": "if",
                    "condition": {"type": "element_exists", "selector": "id", "selector_value": "p"},
                    "then": [{"type": "wait"}],
                }
            ],
            "Step 1.then.1 (wait) of scraper_config actions needs 'duration_seconds'",
        ),
        (
            [
                {
                    "type": "while_loop",
                    "condition": {"type": "element_exists", "selector": "id", "selector_value": "n"},
                    "loop_actions": [],
                }
            ],
            "needs 'max_iterations'",
        ),
    ],
)
def test_config_errors_are_found_before_a_browser_starts(actions, expected, monkeypatch):
    monkeypatch.setattr("elt_project.ingest.sources.selenium_scraper.start_chrome", None)  # would fail if called
    with pytest.raises(ConfigurationError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        SeleniumScraper({"actions": actions, "data_extraction": [{"target_import_name": "t"}]})


#: The product docs' comprehensive Selenium template, as written there.
DOCS_TEMPLATE = """{
    "driver_options": {
        "headless": true
    },
    "login_url": "https://example.com/login",
    "actions": [
        {
            "type": "find_and_fill", "selector": "id", "selector_value": "username",
            "value_env_var": "EXAMPLE_USERNAME"
        },
        {
            "type": "find_and_fill_totp", "selector": "id", "selector_value": "totp_code",
            "totp_secret_env_var": "EXAMPLE_TOTP_SECRET"
        },
        { "type": "click", "selector": "css_selector", "selector_value": "button.login" },
        { "type": "wait", "duration_seconds": 5 },
        { "type": "wait_for_element", "selector": "id", "selector_value": "dashboard", "timeout": 15 },
        {
            "type": "if",
            "condition": {
                "type": "element_exists", "selector": "id", "selector_value": "popup-modal", "timeout": 3
            },
            "then": [
                { "type": "click", "selector": "xpath", "selector_value": "//button[text()='Close']" }
            ],
            "else": []
        },
        {
            "type": "while_loop",
            "condition": {
                "type": "element_exists", "selector": "id", "selector_value": "next-page-button", "timeout": 2
            },
            "max_iterations": 10,
            "loop_actions": [
                {
                    "type": "extract_and_accumulate", "target_import_name": "my_paginated_data",
                    "method": "html_table", "table_index": 0
                },
                { "type": "click", "selector": "id", "selector_value": "next-page-button" }
            ]
        }
    ],
    "data_extraction": [
        {
            "target_import_name": "my_main_data",
            "url": "https://example.com/data/main-report",
            "method": "html_table",
            "table_index": 0
        }
    ]
}"""


def test_docs_template_runs_as_written(base_url, source_context, monkeypatch):
    """Every action type of the template, against pages with its selectors; both named tables come back."""
    import json

    from elt_project.pipeline.remote import select_for_import

    monkeypatch.setenv("EXAMPLE_USERNAME", site.USERNAME)
    monkeypatch.setenv("EXAMPLE_TOTP_SECRET", site.TOTP_SECRET)
    config = allow_local(json.loads(DOCS_TEMPLATE.replace("https://example.com", f"{base_url}/example")))
    fetched = SeleniumScraper(config).fetch(source_context())
    by_name = {f.name: read_records(f.path) for f in fetched}
    # The loop collects every page that has a "next" button (pages 1 and 2), as the template is written.
    assert [r["n"] for r in by_name["my_paginated_data"]] == ["1", "2", "3", "4"]
    assert by_name["my_main_data"] == [{"kpi": "orders", "value": "42"}]
    assert [f.name for f in select_for_import(fetched, "my_main_data")] == ["my_main_data"]
    with pytest.raises(ConfigurationError, match="none is named after the import"):
        select_for_import(fetched, "something_else")
