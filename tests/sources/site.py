"""A small web site for scraper tests, served for real on 127.0.0.1 (werkzeug, in a thread).

Pages: a login form with a CSRF field and a TOTP step, a dashboard with a table
and a popup, a JSON API (paged by next link and by page number), an HTML table, a
CSV download, a flaky endpoint (429, then 200), JavaScript-rendered tables, paged
tables behind a "next" button, and a page whose button downloads a report.
"""

from __future__ import annotations

import json
import secrets as _secrets
import threading
from collections import Counter
from contextlib import contextmanager

import pyotp
from flask import Flask, Response, abort, jsonify, redirect, request, session, url_for
from werkzeug.serving import make_server

USERNAME, PASSWORD = "alice", "s3cret-pw"
PLAIN_USER, PLAIN_PASSWORD = "bob", "bob-pw-99"  # an account without a second factor
TOTP_SECRET = "JBSWY3DPEHPK3PXP"
API_TOKEN = "tok-123456"
ITEMS = [{"id": i, "name": f"item {i}", "price": f"{i * 1.5:.2f}"} for i in range(1, 8)]
REPORT_CSV = "order_id,customer,amount\n1,Ann,10.50\n2,Bob,7.25\n"
PAGED_ROWS = [(n, f"row {n}") for n in range(1, 8)]  # 3 per page: pages 1..3


class SiteTOTP(pyotp.TOTP):
    min_secret_length_bits = 80  # the 16-character secrets real sites hand out


PAGE = "<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def create_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-site"
    app.config["hits"] = Counter()

    def logged_in() -> bool:
        return bool(session.get("user")) or request.headers.get("Authorization") == f"Bearer {API_TOKEN}"

    @app.get("/login")
    def login_form():
        session["csrf"] = token = _secrets.token_hex(8)
        return PAGE.format(
            title="Login",
            body=f"""
<form method="post" action="/login">
 <input type="hidden" name="csrf" value="{token}">
 <input id="username-field" name="username"><input id="password-field" name="password" type="password">
 <button type="submit">Sign In</button>
</form>""",
        )

    @app.post("/login")
    def login_post():
        if request.form.get("csrf") != session.get("csrf"):
            return PAGE.format(title="Login", body="<p>Session expired</p>"), 200
        if (request.form.get("username"), request.form.get("password")) == (PLAIN_USER, PLAIN_PASSWORD):
            session["user"] = PLAIN_USER
            return redirect(url_for("dashboard"))
        if (request.form.get("username"), request.form.get("password")) != (USERNAME, PASSWORD):
            return PAGE.format(title="Login", body="<p>Wrong username or password</p>"), 200
        code = request.form.get("totp")
        if code is None:
            session["pending"] = USERNAME
            return redirect(url_for("verify_form"))
        if not SiteTOTP(TOTP_SECRET).verify(code, valid_window=1):
            return PAGE.format(title="Login", body="<p>Invalid code</p>"), 200
        session["user"] = USERNAME
        return redirect(url_for("dashboard"))

    @app.get("/verify")
    def verify_form():
        return PAGE.format(
            title="Verify",
            body="""
<form method="post" action="/verify"><input id="totp-input-field" name="totp">
<button type="submit">Verify</button></form>""",
        )

    @app.post("/verify")
    def verify_post():
        if session.get("pending") and SiteTOTP(TOTP_SECRET).verify(request.form.get("totp", ""), valid_window=1):
            session["user"] = session.pop("pending")
            return redirect(url_for("dashboard"))
        return PAGE.format(title="Verify", body="<p>Invalid code</p>"), 200

    @app.get("/dashboard")
    def dashboard():
        if not logged_in():
            return redirect(url_for("login_form"))
        return PAGE.format(
            title="Dashboard",
            body="""
<div id="dashboard"><p class="dashboard-welcome-message">Welcome, you are logged in</p>
<a id="to-report" href="/js-table">Reports</a> <a id="to-downloads" href="/downloads">Downloads</a></div>
<div id="popup-modal" style="position:fixed;top:0;left:0;width:100%;height:100%;background:#fff">
  <button onclick="document.getElementById('popup-modal').remove()">Close</button></div>
<table><tr><th>region</th><th>sales</th></tr><tr><td>North</td><td>100</td></tr>
<tr><td>South</td><td>250</td></tr></table>""",
        )

    @app.get("/api/data")
    def api_data():
        if not logged_in():
            return jsonify({"error": "login required"}), 401
        return jsonify({"data": {"results": ITEMS[:3]}})

    @app.get("/api/items")
    def api_items():
        if not logged_in():
            return jsonify({"error": "login required"}), 401
        page = int(request.args.get("page", 1))
        chunk = ITEMS[(page - 1) * 3 : page * 3]
        more = page * 3 < len(ITEMS)
        return jsonify({"items": chunk, "next": f"/api/items?page={page + 1}" if more else None})

    @app.get("/table")
    def table():
        return PAGE.format(
            title="Table",
            body="""
<table id="first"><tr><th>x</th></tr><tr><td>ignored</td></tr></table>
<table><thead><tr><th>country</th><th>population</th><th>note</th></tr></thead>
<tbody><tr><td>Aland</td><td>30,000</td><td></td></tr><tr><td>Bhutan</td><td>780,000</td><td>landlocked</td></tr>
</tbody></table>""",
        )

    @app.get("/report.csv")
    def report():
        return Response(REPORT_CSV, mimetype="text/csv")

    @app.get("/flaky")
    def flaky():
        key = request.args.get("key", "default")
        app.config["hits"][key] += 1
        if app.config["hits"][key] == 1:
            return Response("slow down", status=429, headers={"Retry-After": "0"})
        return jsonify([{"id": 1, "status": "ok"}])

    @app.get("/always-busy")
    def always_busy():
        return Response("down", status=503)

    @app.get("/redirect-out")
    def redirect_out():
        return redirect(request.args["to"])

    @app.get("/js-table")
    def js_table():
        if not session.get("user"):
            return redirect(url_for("login_form"))
        return PAGE.format(
            title="JS",
            body="""
<div id="holder"></div>
<script>setTimeout(function () {
  document.getElementById('holder').innerHTML =
    '<table id="report"><tr><th>sku</th><th>qty</th></tr><tr><td>A-1</td><td>5</td></tr>' +
    '<tr><td>B-2</td><td>0</td></tr></table>';
}, 300);</script>""",
        )

    @app.get("/paged")
    def paged():
        page = int(request.args.get("page", 1))
        rows = PAGED_ROWS[(page - 1) * 3 : page * 3]
        body_rows = "".join(f"<tr><td>{n}</td><td>{label}</td></tr>" for n, label in rows)
        button = (
            f"<button id='next-page-button' onclick=\"location.href='/paged?page={page + 1}'\">Next</button>"
            if page * 3 < len(PAGED_ROWS)
            else ""
        )
        rendered = json.dumps(f"<table><tr><th>n</th><th>label</th></tr>{body_rows}</table>{button}")
        return PAGE.format(
            title=f"Page {page}",
            body=f"""
<div id="holder"></div>
<script>document.getElementById('holder').innerHTML = {rendered};</script>""",
        )

    @app.get("/downloads")
    def downloads():
        if not session.get("user"):
            return redirect(url_for("login_form"))
        return PAGE.format(
            title="Downloads", body="<a id='get-report' href='/downloads/DailyReport-2026-12-01.csv'>Download</a>"
        )

    @app.get("/downloads/<name>")
    def download_file(name: str):
        if not session.get("user"):
            abort(401)
        disposition = {"Content-Disposition": f"attachment; filename={name}"}
        return Response(REPORT_CSV, mimetype="text/csv", headers=disposition)

    _add_template_pages(app)
    return app


def _add_template_pages(app: Flask) -> None:
    """Pages matching the selectors of the product docs' Selenium template (under /example)."""
    rows = [(n, f"entry {n}") for n in range(1, 7)]  # 2 per page: pages 1..3

    @app.get("/example/login")
    def example_login():
        return PAGE.format(
            title="Example",
            body="""
<form method="post" action="/example/login"><input id="username" name="username">
<input id="totp_code" name="totp"><button class="login" type="submit">Log in</button></form>""",
        )

    @app.post("/example/login")
    def example_login_post():
        if request.form.get("username") == USERNAME and SiteTOTP(TOTP_SECRET).verify(
            request.form.get("totp", ""), valid_window=1
        ):
            session["user"] = USERNAME
            return redirect("/example/dashboard?page=1")
        return PAGE.format(title="Example", body="<p>Login failed</p>")

    @app.get("/example/dashboard")
    def example_dashboard():
        if not session.get("user"):
            return redirect("/example/login")
        page = int(request.args.get("page", 1))
        body = "".join(f"<tr><td>{n}</td><td>{label}</td></tr>" for n, label in rows[(page - 1) * 2 : page * 2])
        popup = (
            "<div id='popup-modal' style='position:fixed;top:0;left:0;width:100%;height:100%;background:#eee'>"
            "<button onclick=\"document.getElementById('popup-modal').remove()\">Close</button></div>"
            if page == 1
            else ""
        )
        more = page * 2 < len(rows)
        button = f"<button id='next-page-button' onclick=\"location.href='?page={page + 1}'\">Next</button>"
        return PAGE.format(
            title="Dashboard",
            body=f"""<div id="dashboard">{popup}
<table><tr><th>n</th><th>entry</th></tr>{body}</table>{button if more else ""}</div>""",
        )

    @app.get("/example/data/main-report")
    def example_main_report():
        if not session.get("user"):
            return redirect("/example/login")
        return PAGE.format(
            title="Main", body="<table><tr><th>kpi</th><th>value</th></tr><tr><td>orders</td><td>42</td></tr></table>"
        )


@contextmanager
def serve():
    """Serve the site on a free port of 127.0.0.1; yields its base URL."""
    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=5)
