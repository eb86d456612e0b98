"""The browser action language of ``generic_selenium_scraper``, checked before any browser starts.

Actions (each a JSON object with ``type``):

- ``find_and_fill``: selector, selector_value, and ``value_env_var`` (or a literal ``value``)
- ``find_and_fill_totp``: selector, selector_value, ``totp_secret_env_var``
- ``click``: selector, selector_value
- ``wait``: ``duration_seconds``
- ``wait_for_element``: selector, selector_value, optional ``timeout`` (s)
- ``navigate``: ``url`` (open another page)
- ``if``: ``condition`` (``element_exists`` with selector, selector_value, timeout), ``then``, ``else``
- ``while_loop``: ``condition``, ``max_iterations``, ``loop_actions``
- ``extract_and_accumulate``: ``target_import_name``, ``method`` html_table, ``table_index``

Selectors: id, name, xpath, css_selector, class_name, link_text. Every problem is
reported with its step number (``5`` or, inside a block, ``5.then.1``).
"""

from __future__ import annotations

from typing import Any

from elt_project.errors import ConfigurationError

SELECTORS = ("id", "name", "xpath", "css_selector", "class_name", "link_text")
ACTION_TYPES = (
    "find_and_fill",
    "find_and_fill_totp",
    "click",
    "wait",
    "wait_for_element",
    "navigate",
    "if",
    "while_loop",
    "extract_and_accumulate",
)
CONDITION_TYPES = ("element_exists",)
MAX_WAIT_SECONDS = 600


def _fail(step: str, action: dict[str, Any], problem: str) -> ConfigurationError:
    return ConfigurationError(f"Step {step} ({action.get('type', '?')}) of scraper_config actions {problem}.")


def check_selector(step: str, action: dict[str, Any]) -> None:
    selector = action.get("selector")
    if selector not in SELECTORS:
        raise _fail(step, action, f"has selector {selector!r}; use one of {', '.join(SELECTORS)}")
    if not isinstance(action.get("selector_value"), str) or not action["selector_value"]:
        raise _fail(step, action, "needs a 'selector_value'")
    _check_number(step, action, "timeout", required=False)


def _check_number(step: str, action: dict[str, Any], key: str, *, required: bool) -> None:
    value = action.get(key)
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_WAIT_SECONDS:
        raise _fail(step, action, f"needs '{key}' as a number of seconds from 0 to {MAX_WAIT_SECONDS}")


def _check_condition(step: str, action: dict[str, Any]) -> None:
    condition = action.get("condition")
    if not isinstance(condition, dict) or condition.get("type") not in CONDITION_TYPES:
        raise _fail(step, action, "needs a 'condition' of type element_exists")
    check_selector(f"{step}.condition", condition)


def _check_block(step: str, action: dict[str, Any], key: str, *, required: bool) -> None:
    block = action.get(key)
    if block is None and not required:
        return
    if not isinstance(block, list):
        raise _fail(step, action, f"needs '{key}' as a list of actions")
    check_actions(block, prefix=f"{step}.{key}.")


def check_table_index(step: str, action: dict[str, Any]) -> None:
    if action.get("method", "html_table") != "html_table":
        raise _fail(step, action, f"has method {action.get('method')!r}; only html_table is supported")
    index = action.get("table_index", 0)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise _fail(step, action, "needs 'table_index' as a whole number from 0")


def check_actions(actions: Any, *, prefix: str = "") -> None:
    """Refuse unknown action types and missing fields, naming the step."""
    if not isinstance(actions, list):
        raise ConfigurationError("scraper_config 'actions' must be a list of action objects.")
    for number, action in enumerate(actions, start=1):
        step = f"{prefix}{number}"
        if not isinstance(action, dict):
            raise ConfigurationError(f"Step {step} of scraper_config actions is not a JSON object.")
        kind = action.get("type")
        if kind not in ACTION_TYPES:
            raise _fail(step, action, f"has unknown type {kind!r}; use one of {', '.join(ACTION_TYPES)}")
        if kind in ("find_and_fill", "find_and_fill_totp", "click", "wait_for_element"):
            check_selector(step, action)
        if kind == "find_and_fill" and not (action.get("value_env_var") or "value" in action):
            raise _fail(step, action, "needs 'value_env_var' (the env var holding the text to type)")
        if kind == "find_and_fill_totp" and not action.get("totp_secret_env_var"):
            raise _fail(step, action, "needs 'totp_secret_env_var'")
        if kind == "wait":
            _check_number(step, action, "duration_seconds", required=True)
        if kind == "navigate" and not isinstance(action.get("url"), str):
            raise _fail(step, action, "needs a 'url'")
        if kind == "if":
            _check_condition(step, action)
            _check_block(step, action, "then", required=True)
            _check_block(step, action, "else", required=False)
        if kind == "while_loop":
            _check_condition(step, action)
            iterations = action.get("max_iterations")
            if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= 10_000:
                raise _fail(step, action, "needs 'max_iterations' (a whole number from 1 to 10000)")
            _check_block(step, action, "loop_actions", required=True)
        if kind == "extract_and_accumulate":
            if not action.get("target_import_name"):
                raise _fail(step, action, "needs 'target_import_name' (the table the rows are collected in)")
            check_table_index(step, action)


def check_extraction(entries: Any) -> list[dict[str, Any]]:
    """``data_extraction``: a list of {target_import_name, optional url, method html_table, table_index}."""
    if entries is None:
        return []
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        raise ConfigurationError("scraper_config 'data_extraction' must be a list of extraction objects.")
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("target_import_name"):
            raise ConfigurationError(
                f"data_extraction entry {number} needs a 'target_import_name' (the import that loads it)."
            )
        check_table_index(f"data_extraction.{number}", {"type": "data_extraction", **entry})
        if "wait_for" in entry:
            check_selector(f"data_extraction.{number}.wait_for", {"type": "wait_for", **entry["wait_for"]})
    return entries
