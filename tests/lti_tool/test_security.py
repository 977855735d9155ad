"""Security headers and cookie flags on every kind of response, and launch tokens kept out of logs."""
import logging

from lti_tool.security import RedactingRequestHandler, origin, redact
from tests.support.platform import INSTRUCTOR, TestPlatform


def csp(resp) -> dict[str, str]:
    out = {}
    for part in resp.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        out[name] = value
    return out


def test_attempt_page_csp_lets_only_registered_platforms_frame_it(app, client, platform):
    other = TestPlatform(issuer="https://moodle.example.edu:8080", client_id="c2", deployment_id="d2")
    other.register(app)
    try:
        resp, _, _ = platform.launch(client)
        page = client.get(resp.headers["Location"])
    finally:
        other.server.stop()
    policy = csp(page)
    ancestors = policy["frame-ancestors"].split()
    assert set(ancestors) == {"'self'", "https://lms.test", "https://moodle.example.edu:8080"}
    assert "'unsafe-inline'" not in policy["script-src"] and "'nonce-" in policy["script-src"]
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "X-Frame-Options" not in page.headers  # would break the LMS iframe; frame-ancestors rules


def test_nonce_is_fresh_per_response_and_exposed_to_templates(app, client):
    a, b = csp(client.get("/lti/login?iss=x")), csp(client.get("/lti/login?iss=x"))
    assert a["script-src"] != b["script-src"]
    with app.test_request_context("/"):
        from flask import render_template_string
        html = render_template_string('<script nonce="{{ csp_nonce() }}"></script>')
        from lti_tool.security import content_security_policy
        nonce = html.split('"')[1]
        assert f"'nonce-{nonce}'" in content_security_policy(True)


def test_every_template_script_is_external_or_carries_the_nonce():
    """No inline script or inline event handler in any template (CSP would block it anyway)."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or "csp_nonce()" in tag, f"{path.name}: inline script without nonce: {tag}"
        assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), f"{path.name}: inline event handler"


def test_canvas_issuer_allows_school_hosts(app, client):
    from lti_tool.services import platforms
    with app.app_context():
        platforms.register(issuer="https://canvas.instructure.com", client_id="170000000000571",
                           auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                           auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
                           key_set_url="https://sso.canvaslms.com/api/lti/security/jwks", deployment_ids=["1:a"])
    ancestors = csp(client.get("/lti/login?iss=x"))["frame-ancestors"].split()
    assert "https://*.instructure.com" in ancestors and "https://sso.canvaslms.com" in ancestors


def test_configured_extra_frame_ancestors(app, client):
    app.config["FRAME_ANCESTORS"] = ["https://canvas.school.edu"]
    assert "https://canvas.school.edu" in csp(client.get("/lti/login?iss=x"))["frame-ancestors"]


def test_json_and_error_responses_carry_headers(client):
    for resp in (client.get("/healthz"), client.get("/no-such-page"), client.post("/lti/launch", data={})):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert "Content-Security-Policy" in resp.headers
    assert client.get("/healthz").headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_https_gets_hsts_and_partitioned_secure_cookies(app, platform):
    client = app.test_client()
    resp = client.post("/lti/login", base_url="https://tool.test", data={
        "iss": platform.issuer, "login_hint": "s", "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id, "target_link_uri": "http://tool.test/lti/launch"})
    assert resp.status_code == 302
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookies = resp.headers.getlist("Set-Cookie")
    assert cookies
    for c in cookies:
        flags = {f.strip().lower() for f in c.split(";")[1:]}
        assert {"secure", "samesite=none", "partitioned", "httponly"} <= flags, c


def test_https_hardens_cookies_set_by_any_view(app):
    @app.get("/_cookie")
    def _cookie():
        from flask import make_response
        r = make_response("x")
        r.set_cookie("a", "1")
        r.set_cookie("b", "2", samesite="Lax")
        return r
    cookies = app.test_client().get("/_cookie", base_url="https://tool.test").headers.getlist("Set-Cookie")
    a = next(c for c in cookies if c.startswith("a="))
    b = next(c for c in cookies if c.startswith("b="))
    assert "Secure" in a and "SameSite=None" in a and "Partitioned" in a
    assert "SameSite=Lax" in b and "SameSite=None" not in b and "Secure" in b


def test_staff_pages_carry_the_same_policy(client, platform):
    resp, _, _ = platform.launch(client, sub="t1", roles=(INSTRUCTOR,))
    page = client.get(resp.headers["Location"])
    assert "https://lms.test" in csp(page)["frame-ancestors"]


def test_origin():
    assert origin("https://a.example:8443/x?y") == "https://a.example:8443"
    assert origin("javascript:alert(1)") is None and origin("") is None and origin(None) is None


def test_access_log_lines_never_carry_the_launch_token():
    line = 'GET /attempt/3?lt=eyJzZWNyZXQ.abc HTTP/1.1'
    assert redact(line) == "GET /attempt/3?[redacted] HTTP/1.1"
    assert redact("POST /attempt/3/save HTTP/1.1") == "POST /attempt/3/save HTTP/1.1"


def test_serve_request_handler_redacts(caplog):
    handler = RedactingRequestHandler.__new__(RedactingRequestHandler)
    handler.requestline = "GET /instructor/?lt=SECRET-TOKEN HTTP/1.1"
    handler.client_address = ("127.0.0.1", 1)
    handler.command, handler.path = "GET", "/instructor/?lt=SECRET-TOKEN"
    handler.request_version = "HTTP/1.1"  # werkzeug logs command, path and version when it has them
    logged = []
    handler.log = lambda type, message, *args: logged.append(message % args)
    handler.log_request(200, 10)
    assert logged and "SECRET-TOKEN" not in logged[0] and "/instructor/" in logged[0]


def test_gunicorn_access_log_format_has_no_query_or_referer():
    import runpy
    from pathlib import Path
    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"))
    fmt = conf["access_log_format"]
    assert "%(r)s" not in fmt and "%(q)s" not in fmt and "%(f)s" not in fmt and "%(U)s" in fmt


def test_instance_secrets_are_owner_only(tmp_path):
    import os
    import stat

    from config import settings_for_tests
    from lti_tool import create_app
    from lti_tool.security import protect_instance
    (tmp_path / "secret_key").write_text("s")
    (tmp_path / "notes.txt").write_text("n")
    for f in tmp_path.iterdir():
        os.chmod(f, 0o644)
    protect_instance(tmp_path)
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "notes.txt").stat().st_mode) == 0o644  # not ours: left alone
    db_file = tmp_path / "rapport.db"
    app = create_app(settings_for_tests(f"sqlite:///{db_file}", INSTANCE_PATH=str(tmp_path)))
    with app.app_context():
        from sqlalchemy import text

        from lti_tool.extensions import db
        db.session.execute(text("CREATE TABLE t (x int)"))
        db.session.commit()
        db.engine.dispose()
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600


def test_generated_secret_key_file_is_owner_only(tmp_path, monkeypatch):
    import stat

    from config import Settings
    monkeypatch.setenv("RAPPORT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("RAPPORT_SECRET_KEY", raising=False)
    Settings.from_env()
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_no_secrets_tracked_in_git():
    import subprocess
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    try:
        files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        import pytest
        pytest.skip("not a git checkout")
    assert not [f for f in files if f.startswith("instance/") or f.endswith(("secret_key", ".pem", ".key"))
                or (f.endswith(".env") and f != "config/example.env")]
    leaked = [f for f in files if (root / f).is_file() and b"PRIVATE KEY-----" in (root / f).read_bytes()
              and f != "tests/lti_tool/test_security.py"]
    assert not leaked, f"private keys committed: {leaked}"


def test_keys_and_tokens_never_logged(app, client, platform, caplog):
    """A full launch, its pages and an error, at DEBUG: no private key, secret key or launch token in any log."""
    import logging
    caplog.set_level(logging.DEBUG)
    resp, id_token, _ = platform.launch(client)
    token = resp.headers["Location"].split("lt=")[1]
    client.get(resp.headers["Location"])
    client.post("/lti/launch", data={"id_token": id_token, "state": "replay"})
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    for secret in ("PRIVATE KEY", app.config["SECRET_KEY"], token, id_token):
        assert secret not in logged
