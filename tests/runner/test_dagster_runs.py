"""The page against a real Dagster webserver + daemon, on SQLite and on PostgreSQL.

A person made with the accounts API logs in, ticks demo imports of two groups,
and the page launches one run per group through GraphQL; the status endpoint
walks QUEUED/STARTING → STARTED → SUCCESS and the rows are in the destination.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from elt_project.auth.accounts import create_user
from elt_project.auth.permissions import grant
from elt_project.db import schema
from elt_project.orchestration.dagster_client import DagsterClient, JobOrAssetMissing, LocationNotLoaded, RunNotFound
from tests.orchestration.conftest import add_config
from tests.runner.conftest import login, page_token, post_json, wait_for_run

pytestmark = pytest.mark.slow

SALES_HEADER = (
    "order_id,order_date,region,product_sku,product_category,channel,customer_id,quantity,unit_price,amount\n"
)


@pytest.fixture(scope="module")
def person(stack):
    create_user(stack.engine, "clerk", "clerk-password", "user")
    client = stack.app().test_client()
    assert login(client, "clerk", "clerk-password").status_code == 302
    return client, page_token(client)


def test_two_groups_run_to_success_and_rows_land(stack, person):
    client, token = person
    page = client.get("/").get_data(as_text=True)
    assert "Sales" in page and "Inventory" in page and "Run Selected Imports" in page
    sales_before = stack.count("dest_sales")
    assert stack.count("dest_inventory") == 0

    response = post_json(client, "/runs", {"imports": ["sales_daily_csv", "inventory_snapshot"]}, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["problems"] == []
    assert sorted(run["pipeline_name"] for run in body["launched"]) == ["Inventory", "Sales"]

    first_seen = {
        run["run_id"]: client.get(f"/api/runs/{run['run_id']}").get_json()["status"] for run in body["launched"]
    }
    for run in body["launched"]:  # both runs' first status is read at once, before either is waited for
        final, _ = wait_for_run(client, run["run_id"])
        assert final["status"] == "SUCCESS", final
        assert first_seen[run["run_id"]] in ("QUEUED", "NOT_STARTED", "STARTING", "STARTED"), first_seen
        assert final["rows_loaded"] > 0 and final["message"].startswith("Finished:")
        assert final["details_url"] == f"/runs/{run['run_id']}/details"
        assert final["dagster_url"] is None  # Dagster's UI is for administrators
        details = client.get(final["details_url"])
        assert details.status_code == 200
        page = details.get_data(as_text=True)
        assert "Loaded" in page and "Run log" in page and "Every step" in page
        assert stack.dagster_url not in page and "Traceback" not in page

    assert stack.count("dest_sales") > sales_before
    assert stack.count("dest_inventory") > 0
    listed = client.get("/api/runs").get_json()
    assert {run["run_id"] for run in body["launched"]} <= {run["run_id"] for run in listed["runs"]}
    imports = client.get("/api/imports").get_json()
    last = {i["import_name"]: i["last_load"] for g in imports["groups"] for i in g["imports"]}
    assert last["sales_daily_csv"]["status"] == "SUCCESS" and last["sales_daily_csv"]["rows_loaded"] > 0


def test_an_import_dagster_does_not_know_never_stops_the_others(stack, person):
    client, token = person
    add_config(  # added after Dagster loaded the location, and no reload since
        stack.engine,
        pipeline_name="Sales",
        import_name="sales_late_feed",
        file_pattern="late_*.csv",
        monitored_directory=str(stack.root / "late"),
        staging_table="stg_sales",
        destination_table="dest_sales",
    )
    try:
        response = post_json(client, "/runs", {"imports": ["sales_late_feed", "sales_daily_json"]}, token)
        body = response.get_json()
        assert [p["import_name"] for p in body["problems"]] == ["sales_late_feed"]
        assert "elt reload" in body["problems"][0]["message"]
        [run] = body["launched"]
        assert run["imports"] == ["sales_daily_json"]
        final, _ = wait_for_run(client, run["run_id"])
        assert final["status"] == "SUCCESS"
    finally:
        with stack.engine.begin() as conn:
            conn.execute(
                sa.delete(schema.elt_pipeline_configs).where(
                    schema.elt_pipeline_configs.c.import_name == "sales_late_feed"
                )
            )


def test_an_uploaded_file_is_loaded_and_its_run_is_shown(stack, person):
    client, token = person
    rows = "".join(
        f"UPL-{i:05d},2026-11-30,North,SKU-00020,,Online,C000001,{i % 5 + 1},10.00,{(i % 5 + 1) * 10}.00\n"
        for i in range(1, 41)
    )
    response = client.post(
        "/upload",
        data={
            "csrf_token": token,
            "import_name": "sales_daily_csv",
            "file": (io.BytesIO((SALES_HEADER + rows).encode()), "my export.csv"),
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["file_name"].startswith("sales_upload_") and body["file_name"].endswith(".csv")
    [run] = body["launched"]
    final, _ = wait_for_run(client, run["run_id"])
    assert final["status"] == "SUCCESS" and final["rows_loaded"] == 40
    with stack.engine.connect() as conn:
        landed = conn.execute(sa.text("SELECT count(*) FROM dest_sales WHERE order_id LIKE 'UPL-%'")).scalar()
    assert landed == 40
    assert run["run_id"] in {r["run_id"] for r in client.get("/api/runs").get_json()["runs"]}


def test_a_launched_run_loads_in_one_write_and_reports_its_checks(stack, person):
    """The page's run of a replace import with a rule the stream settles: the staging step loads the
    destination directly (a trigger on staging sees no write) and the transform step has nothing left."""
    client, token = person
    postgres = stack.backend == "postgresql"
    with stack.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE stg_inventory_writes (n INTEGER)"))
        if not postgres:
            conn.execute(
                sa.text(
                    "CREATE TRIGGER stg_inventory_seen AFTER INSERT ON stg_inventory "
                    "BEGIN INSERT INTO stg_inventory_writes VALUES (1); END"
                )
            )
        else:
            conn.execute(
                sa.text(
                    "CREATE FUNCTION stg_inventory_seen() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN INSERT INTO stg_inventory_writes VALUES (1); RETURN NULL; END $$"
                )
            )
            conn.execute(
                sa.text(
                    "CREATE TRIGGER stg_inventory_seen AFTER INSERT ON stg_inventory FOR EACH STATEMENT "
                    "EXECUTE FUNCTION stg_inventory_seen()"
                )
            )
    rows = "".join(f"SKU-{i:05d},WH-Test,{i},2026-12-01\n" for i in range(1, 26))
    try:
        response = client.post(
            "/upload",
            data={
                "csrf_token": token,
                "import_name": "inventory_snapshot",
                "file": (io.BytesIO(("sku,warehouse,on_hand,snapshot_date\n" + rows).encode()), "stock.csv"),
            },
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        [run] = response.get_json()["launched"]
        final, _ = wait_for_run(client, run["run_id"])
        assert final["status"] == "SUCCESS" and final["rows_loaded"] == 25, final
        with stack.engine.connect() as conn:
            landed = conn.execute(sa.text("SELECT warehouse, count(*) FROM dest_inventory GROUP BY warehouse")).all()
            staged_rows = conn.execute(sa.text("SELECT count(*) FROM stg_inventory")).scalar()
            writes = conn.execute(sa.text("SELECT count(*) FROM stg_inventory_writes")).scalar()
        assert [tuple(r) for r in landed] == [("WH-Test", 25)]  # replaced, each row once
        assert staged_rows == 0
        events = DagsterClient(stack.dagster_url).run_events(run["run_id"])
        checks = [e.message for e in events if e.kind == "ASSET_CHECK_EVALUATION"]
        assert checks == [
            "Asset check 'inventory_on_hand_not_negative' on 'inventory_snapshot_extract_and_load_staging' passed."
        ]
        direct = [e for e in events if "the staging step loaded 25 row(s) directly" in e.message]
        assert writes == 0  # not one row went through staging
        assert [e.step_key for e in direct] == ["inventory_transform"]
    finally:
        with stack.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER stg_inventory_seen" + (" ON stg_inventory" if postgres else "")))
            conn.execute(sa.text("DROP TABLE stg_inventory_writes"))


def test_a_failed_run_says_why_in_plain_words(stack, person):
    client, token = person
    bad = SALES_HEADER + "BAD-00001,2026-11-30,North,SKU-00020,,Online,C000001,-3,10.00,-30.00\n"
    response = client.post(
        "/upload",
        data={"csrf_token": token, "import_name": "sales_daily_csv", "file": (io.BytesIO(bad.encode()), "bad.csv")},
        headers={"Accept": "application/json"},
    )
    [run] = response.get_json()["launched"]
    final, _ = wait_for_run(client, run["run_id"])
    assert final["status"] == "FAILURE"
    [error] = final["errors"]
    assert error["import_name"] == "sales_daily_csv"
    assert error["resolution_steps"]
    assert error["error_message"] == (
        "The file was not loaded: 1 row breaks the rule “An order line never has a negative quantity” "
        "(row 1: quantity is -3)."
    )
    assert "upload the file again" in error["resolution_steps"]
    text = client.get(f"/api/runs/{run['run_id']}").get_data(as_text=True)
    assert "Traceback" not in text and str(stack.root) not in text and "elt_rejected_rows" not in text
    page = client.get("/").get_data(as_text=True)
    assert "Stopped by a data-quality rule" in page and "1 row breaks the rule" in page

    # The details stay on this page: the technical words, and Dagster's errors without stack traces.
    details = client.get(f"/runs/{run['run_id']}/details").get_data(as_text=True)
    assert "elt_rejected_rows" in details and "Errors and warnings" in details
    assert "Traceback" not in details and str(stack.root) not in details and 'File "' not in details

    # Someone not granted the group gets nothing, not even a refusal that says it exists.
    create_user(stack.engine, "stocker", "stocker-password", "user")
    grant(stack.engine, "stocker", "Inventory")
    other = stack.app().test_client()
    login(other, "stocker", "stocker-password")
    assert other.get(f"/runs/{run['run_id']}/details").status_code == 404
    assert other.get(f"/api/runs/{run['run_id']}").status_code == 404

    # An administrator keeps the way into Dagster.
    create_user(stack.engine, "chief", "chief-password", "admin")
    admin = stack.app().test_client()
    login(admin, "chief", "chief-password")
    assert admin.get(f"/api/runs/{run['run_id']}").get_json()["dagster_url"] == (
        f"{stack.dagster_url}/runs/{run['run_id']}"
    )
    assert f'href="{stack.dagster_url}/runs/{run["run_id"]}"' in admin.get(f"/runs/{run['run_id']}/details").get_data(
        as_text=True
    )


def test_the_client_names_its_errors(stack):
    client = DagsterClient(stack.dagster_url)
    with pytest.raises(JobOrAssetMissing):
        client.launch_run("Sales_job", ["no_such_asset_extract_and_load_staging"])
    with pytest.raises(RunNotFound):
        client.run("00000000-0000-0000-0000-000000000000")
    with pytest.raises(RunNotFound):
        client.run_events("00000000-0000-0000-0000-000000000000")
    [finished] = [r for r in client.runs_tagged({}, limit=20) if r.status == "SUCCESS"][:1]
    events = client.run_events(finished.run_id)
    paged = client.run_events(finished.run_id, page_size=7)  # several pages, the same log
    assert len(events) > 7 and [e.message for e in paged] == [e.message for e in events]
    assert events == sorted(events, key=lambda e: e.timestamp)
    assert any(e.kind == "RUN_SUCCESS" for e in events) and not any(e.is_problem for e in events)
    assert len(client.run_events(finished.run_id, limit=3)) == 3
    assert client.reload_location() == "loaded"
    assert client.job_asset_names("No_such_job") == set()
    elsewhere = DagsterClient(stack.dagster_url, location="no_such_location")
    with pytest.raises(LocationNotLoaded, match="no code location named 'no_such_location'"):
        elsewhere.check_location()
    with pytest.raises(LocationNotLoaded):
        elsewhere.reload_location()
