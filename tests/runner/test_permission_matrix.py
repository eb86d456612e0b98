"""Who may do what, tried for real: users × pipeline groups × actions against a running Dagster.

Users: an admin, a user with permission rows (Sales only), a user without rows,
a disabled user (logged in before being switched off) and an anonymous visitor.
Actions per group: list its imports, launch one, read a run's status, upload a
file. Every allowed cell must work; every other one must be refused and leave
nothing behind (no run in Dagster, no file in the folder). The counts are printed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from elt_project.auth.accounts import create_user, set_active
from elt_project.auth.permissions import grant
from elt_project.orchestration.launch import TAG_LAUNCHED_BY
from tests.runner.conftest import csrf_from, login, page_token, post_json, wait_for_run

pytestmark = pytest.mark.slow

GROUPS = {"Sales": "sales_daily_psv", "Inventory": "inventory_snapshot"}
USERS = ("admin", "rows_user", "free_user", "disabled_user", "anonymous")
ACTIONS = ("list", "launch", "status", "upload")
EXPECTED = {
    "admin": {"Sales", "Inventory"},
    "rows_user": {"Sales"},
    "free_user": {"Sales", "Inventory"},
    "disabled_user": set(),
    "anonymous": set(),
}
PASSWORD = "matrix-password"


def _upload_body(group: str, serial: int) -> tuple[str, bytes]:
    if group == "Sales":
        header = (
            "order_id|order_date|region|product_sku|product_category|channel|customer_id|quantity|unit_price|amount\n"
        )
        row = f"MTX-{serial:05d}|2026-11-30|East|SKU-00007||Retail|C000002|1|5.00|5.00\n"
        return "upload.psv", (header + row).encode()
    return "upload.csv", f"sku,warehouse,on_hand,snapshot_date\nSKU-{serial:05d},WH-North,4,2026-11-30\n".encode()


def _folder_files(stack, group: str) -> set[str]:
    folder = Path(stack.settings.data_dir) / "incoming" / ("sales" if group == "Sales" else "inventory")
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _runs_of(stack, username: str) -> set[str]:
    from elt_project.orchestration.dagster_client import DagsterClient

    return {r.run_id for r in DagsterClient(stack.dagster_url).runs_tagged({TAG_LAUNCHED_BY: username}, limit=500)}


def test_permission_matrix(sqlite_stack):
    stack = sqlite_stack
    engine = stack.engine
    create_user(engine, "admin", PASSWORD, "admin")
    for name in ("rows_user", "free_user", "disabled_user"):
        create_user(engine, name, PASSWORD, "user")
    grant(engine, "rows_user", "Sales")
    grant(engine, "disabled_user", "Sales")

    clients, tokens = {}, {}
    for user in USERS:
        client = stack.app().test_client()
        if user != "anonymous":
            assert login(client, user, PASSWORD).status_code == 302, user
            tokens[user] = page_token(client)
        else:
            tokens[user] = ""
        clients[user] = client
    set_active(engine, "disabled_user", False)  # switched off while its session is open
    assert login(stack.app().test_client(), "disabled_user", PASSWORD).status_code == 401

    # One run per group launched by the admin: the run id others try to read.
    admin_runs = {}
    for group, import_name in GROUPS.items():
        body = post_json(clients["admin"], "/runs", {"imports": [import_name]}, tokens["admin"]).get_json()
        admin_runs[group] = body["launched"][0]["run_id"]

    results: list[tuple[str, str, str, bool, bool, str]] = []
    to_finish: list[str] = list(admin_runs.values())
    serial = 0
    for user in USERS:
        client, token = clients[user], tokens[user]
        for group, import_name in GROUPS.items():
            allowed = group in EXPECTED[user]
            if user in ("anonymous", "disabled_user"):
                # A valid CSRF token from the login page, so the refusal below is the login check's.
                token = csrf_from(client.get("/login").get_data(as_text=True))

            response = client.get("/api/imports")
            listed = response.status_code == 200 and group in {
                g["pipeline_name"] for g in response.get_json()["groups"]
            }
            results.append((user, group, "list", allowed, listed, str(response.status_code)))

            before = _runs_of(stack, user) if user != "anonymous" else set()
            response = post_json(client, "/runs", {"imports": [import_name]}, token)
            launched = response.status_code == 200 and len(response.get_json()["launched"]) == 1
            own_run = response.get_json()["launched"][0]["run_id"] if launched else None
            if own_run:
                to_finish.append(own_run)
            elif user != "anonymous":
                assert _runs_of(stack, user) == before, f"{user} {group}: a refused launch started a run"
            results.append((user, group, "launch", allowed, launched, str(response.status_code)))

            target = own_run or admin_runs[group]
            response = client.get(f"/api/runs/{target}")
            results.append((user, group, "status", allowed, response.status_code == 200, str(response.status_code)))
            if own_run is None and user != "admin":
                assert response.status_code in (401, 404), (user, group, response.status_code)
            if own_run is None and user not in ("anonymous", "disabled_user"):  # its page here, likewise
                details = client.get(f"/runs/{target}/details")
                assert details.status_code == (200 if user == "admin" else 404), (user, group, details.status_code)
            if not allowed:  # refused because of who you are, not because of a missing token
                assert results[-2][5] in ("401", "403"), results[-2]

            serial += 1
            file_name, content = _upload_body(group, serial)
            files_before = _folder_files(stack, group)
            response = client.post(
                "/upload",
                data={"csrf_token": token, "import_name": import_name, "file": (io.BytesIO(content), file_name)},
                headers={"Accept": "application/json"},
            )
            uploaded = response.status_code == 200 and len(response.get_json()["launched"]) == 1
            if uploaded:
                to_finish.append(response.get_json()["launched"][0]["run_id"])
            else:
                assert _folder_files(stack, group) == files_before, f"{user} {group}: a refused upload left a file"
            results.append((user, group, "upload", allowed, uploaded, str(response.status_code)))
            if not allowed:
                assert response.status_code in (401, 403), (user, group, "upload", response.status_code)

    # Someone else's run in a group you may see is still not yours: to you it does not exist.
    assert clients["free_user"].get(f"/api/runs/{admin_runs['Sales']}").status_code == 404
    assert clients["free_user"].get(f"/runs/{admin_runs['Sales']}/details").status_code == 404

    allowed_ok = sum(1 for *_, a, got, _s in results if a and got)
    refused_ok = sum(1 for *_, a, got, _s in results if not a and not got)
    wrong = [r for r in results if r[3] != r[4]]
    shape = f"{len(USERS)} users x {len(GROUPS)} groups x {len(ACTIONS)} actions"
    print(f"\npermission matrix: {len(results)} cells = {shape}")
    print(f"  allowed and worked: {allowed_ok}; refused as expected: {refused_ok}; wrong: {len(wrong)}")
    for user, group, action, allowed, _got, status in results:
        print(f"  {user:14} {group:10} {action:7} {'allow' if allowed else 'deny ':5} -> {status}")
    assert not wrong, wrong
    assert len(results) == 40 and allowed_ok == 20 and refused_ok == 20

    admin = clients["admin"]
    for run_id in to_finish:
        final, _ = wait_for_run(admin, run_id)
        assert final["status"] == "SUCCESS", final
