"""Admin pages: nothing open without signing in, CSRF on every change, rate-limited and locked-out
sign-in, manual registration of a platform then a launch with it, deployments, keys, links."""
import re

import pytest

from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.services import admins

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user(app):
    with app.app_context():
        admins.create_user("ops", PASSWORD)
    return "ops"


def csrf(page) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"',
                     page.get_data(as_text=True)).group(1)


def sign_in(client, username="ops", password=PASSWORD, token=None):
    token = token or csrf(client.get("/admin/login"))
    return client.post("/admin/login", data={"csrf_token": token, "username": username, "password": password})


@pytest.fixture
def signed_in(client, admin_user):
    assert sign_in(client).status_code == 303
    return client


ROUTES = [("GET", "/admin/"), ("GET", "/admin/platforms/new"), ("POST", "/admin/platforms/new"),
          ("GET", "/admin/platforms/1"), ("POST", "/admin/platforms/1/enabled"),
          ("POST", "/admin/platforms/1/deployments"), ("POST", "/admin/platforms/1/deployments/enabled"),
          ("GET", "/admin/registration-links"), ("POST", "/admin/registration-links"),
          ("POST", "/admin/registration-links/1/revoke"), ("GET", "/admin/keys"), ("POST", "/admin/keys")]


@pytest.mark.parametrize("method,path", ROUTES)
def test_every_admin_page_needs_a_signed_in_admin(client, platform, method, path):
    resp = client.open(path, method=method)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/admin/login")


def test_sign_in_wrong_password_lockout_and_right_password(client, admin_user, app):
    token = csrf(client.get("/admin/login"))
    resp = sign_in(client, password="wrong password!", token=token)
    assert resp.status_code == 401 and "Wrong username or password" in resp.get_data(as_text=True)
    resp = sign_in(client, username="nobody", token=token)
    assert resp.status_code == 401 and "Wrong username or password" in resp.get_data(as_text=True)
    for _ in range(4):
        sign_in(client, password="wrong password!", token=token)
    resp = sign_in(client, token=token)  # right password, but the account is locked now
    assert resp.status_code == 401 and "Too many failed sign-ins" in resp.get_data(as_text=True)
    with app.app_context():
        admins.set_password("ops", PASSWORD)  # lifts the lockout
    assert sign_in(client, token=token).status_code == 303
    assert client.get("/admin/").status_code == 200


def test_sign_in_is_rate_limited_per_address(client, admin_user, app):
    app.config["RATE_LIMIT_ADMIN_LOGIN"] = "3 per minute"
    token = csrf(client.get("/admin/login"))
    codes = [sign_in(client, username=f"u{i}", token=token).status_code for i in range(3)]
    assert codes[-1] == 429


def test_forms_without_the_csrf_token_are_refused(signed_in):
    resp = signed_in.post("/admin/keys")
    assert resp.status_code == 400
    resp = signed_in.post("/admin/platforms/new", data={"issuer": "https://x.example", "client_id": "c"})
    assert resp.status_code == 400 and "CSRF token is missing" in resp.get_data(as_text=True)


def test_a_password_change_signs_out_every_session(signed_in, app):
    with app.app_context():
        admins.set_password("ops", "another long password")
    assert signed_in.get("/admin/").status_code == 302


def test_sign_out_and_in_again(signed_in):
    page = signed_in.get("/admin/")
    signed_in.post("/admin/logout", data={"csrf_token": csrf(page)})
    assert signed_in.get("/admin/").status_code == 302
    assert sign_in(signed_in).status_code == 303  # a second sign-in in the same process works too
    assert signed_in.get("/admin/").status_code == 200


def test_admin_pages_are_never_framed(signed_in):
    resp = signed_in.get("/admin/")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert resp.headers["Cache-Control"] == "no-store"


def test_manual_registration_through_the_pages_then_a_launch(signed_in, app):
    from tests.support.platform import TestPlatform
    tp = TestPlatform(issuer="https://moodle.example.edu", client_id="abc123", deployment_id="1")
    try:
        page = signed_in.get("/admin/platforms/new")
        text = page.get_data(as_text=True)
        assert "http://tool.test/lti/jwks" in text and 'data-copy="url-jwks"' in text
        form = {"csrf_token": csrf(page), "name": "Moodle", "issuer": tp.issuer, "client_id": tp.client_id,
                "deployment_ids": "1\n", "auth_login_url": tp.issuer + "/mod/lti/auth.php",
                "auth_token_url": tp.url + "/token", "key_set_url": tp.url + "/jwks"}
        bad = signed_in.post("/admin/platforms/new", data=dict(form, key_set_url="http://moodle.example.edu/certs"))
        assert bad.status_code == 400 and "must use https" in bad.get_data(as_text=True)
        assert 'aria-invalid="true"' in bad.get_data(as_text=True)
        resp = signed_in.post("/admin/platforms/new", data=form)
        assert resp.status_code == 303
        resp, _, _ = tp.launch(signed_in)
        assert resp.status_code == 303 and "/attempt/" in resp.headers["Location"]
        index = signed_in.get("/admin/").get_data(as_text=True)
        assert "Moodle" in index and "never" not in index.split("Moodle", 1)[1].split("</tr>")[0]
        # the same (issuer, client id) again is refused with a pointer, not silently changed
        again = signed_in.post("/admin/platforms/new", data=dict(form, csrf_token=csrf(signed_in.get("/admin/platforms/new")),
                                                                 auth_login_url=tp.issuer + "/other"))
        assert again.status_code == 400 and "already registered" in again.get_data(as_text=True)
    finally:
        tp.server.stop()


def test_edit_disable_and_deployments_through_the_pages(signed_in, app, platform):
    with app.app_context():
        pid = db.session.execute(db.select(Platform.id).filter_by(issuer=platform.issuer)).scalar_one()
    page = signed_in.get(f"/admin/platforms/{pid}")
    token = csrf(page)
    # edit: a changed login URL is saved, a bad one is refused on its field
    data = {"csrf_token": token, "name": "Test LMS", "issuer": platform.issuer, "client_id": platform.client_id,
            "auth_login_url": platform.issuer + "/auth2", "auth_token_url": platform.url + "/token",
            "key_set_url": platform.url + "/jwks", "auth_audience": ""}
    assert signed_in.post(f"/admin/platforms/{pid}", data=dict(data, auth_login_url="https://")).status_code == 400
    assert signed_in.post(f"/admin/platforms/{pid}", data=data).status_code == 303
    with app.app_context():
        assert db.session.get(Platform, pid).auth_login_url == platform.issuer + "/auth2"
    # add a deployment; an empty one is refused
    assert signed_in.post(f"/admin/platforms/{pid}/deployments", data={"csrf_token": token, "dep-deployment_id": " "}).status_code == 400
    assert signed_in.post(f"/admin/platforms/{pid}/deployments",
                          data={"csrf_token": token, "dep-deployment_id": "dep-2"}).status_code == 303
    # disable a deployment, then the platform: logins are refused with a clear page
    assert signed_in.post(f"/admin/platforms/{pid}/deployments/enabled",
                          data={"csrf_token": token, "deployment_id": "dep-2", "enabled": "0"}).status_code == 303
    assert "Disabled" in signed_in.get(f"/admin/platforms/{pid}").get_data(as_text=True)
    assert signed_in.post(f"/admin/platforms/{pid}/enabled", data={"csrf_token": token, "enabled": "0"}).status_code == 303
    resp = signed_in.post("/lti/login", data={"iss": platform.issuer, "login_hint": "s", "client_id": platform.client_id,
                                              "target_link_uri": "http://tool.test/lti/launch"})
    assert resp.status_code == 403
    page = signed_in.get(f"/admin/platforms/{pid}").get_data(as_text=True)
    assert "Enable this platform" in page and "is disabled" in page  # last error shown


def test_keys_page_rotates_and_jwks_serves_current_next_and_previous(signed_in, client, app):
    page = signed_in.get("/admin/keys")
    before = {k["kid"] for k in client.get("/lti/jwks").json["keys"]}
    assert len(before) == 2  # current and next
    assert signed_in.post("/admin/keys", data={"csrf_token": csrf(page)}).status_code == 303
    after = {k["kid"] for k in client.get("/lti/jwks").json["keys"]}
    assert before < after and len(after) == 3
    text = signed_in.get("/admin/keys").get_data(as_text=True)
    assert "previous" in text and "current" in text and "next" in text


def test_registration_links_are_shown_once_and_can_be_revoked(signed_in, app):
    page = signed_in.get("/admin/registration-links")
    resp = signed_in.post("/admin/registration-links", data={"csrf_token": csrf(page), "note": "Moodle prod"})
    text = resp.get_data(as_text=True)
    link = re.search(r'value="(http://tool.test/lti/register/[^"]+)"', text).group(1)
    listing = signed_in.get("/admin/registration-links").get_data(as_text=True)
    assert link not in listing and "Moodle prod" in listing and "Open until" in listing
    invite_id = re.search(r"/admin/registration-links/(\d+)/revoke", listing).group(1)
    signed_in.post(f"/admin/registration-links/{invite_id}/revoke", data={"csrf_token": csrf(page)})
    assert signed_in.get(link.replace("http://tool.test", "")).status_code == 403


def test_the_keys_page_lets_the_admin_choose_the_grace_period(signed_in, app):
    from datetime import timedelta

    from lti_tool.extensions import db
    from lti_tool.models import ToolKey
    from lti_tool.models.base import utcnow
    page = signed_in.get("/admin/keys")
    assert 'name="grace_hours"' in page.get_data(as_text=True) and "24 hours (recommended)" in page.get_data(as_text=True)
    resp = signed_in.post("/admin/keys", data={"csrf_token": csrf(page), "grace_hours": "168"})
    assert resp.status_code == 303
    assert "stays published for 7 days" in signed_in.get("/admin/keys").get_data(as_text=True)
    with app.app_context():
        old = db.session.execute(db.select(ToolKey).where(ToolKey.retire_after.is_not(None))).scalars().one()
        left = old.retire_after - utcnow()
        assert timedelta(days=6, hours=23) < left <= timedelta(days=7)
    bad = signed_in.post("/admin/keys", data={"csrf_token": csrf(page), "grace_hours": "99999"})
    assert bad.status_code == 400 and "Choose how long" in bad.get_data(as_text=True)


def test_the_platform_page_shows_where_the_platform_keeps_the_registration(signed_in, app):
    from lti_tool.extensions import db
    from lti_tool.models import Platform
    with app.app_context():
        p = Platform(issuer="https://canvas.instructure.com", client_id="170000000000571",
                     auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                     auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
                     key_set_url="https://sso.canvaslms.com/api/lti/security/jwks", source="dynamic",
                     registration_client_uri="https://esu.instructure.com/api/lti/registrations/170000000000045")
        db.session.add(p)
        db.session.commit()
        pid = p.id
    page = signed_in.get(f"/admin/platforms/{pid}").get_data(as_text=True)
    assert 'id="registration-uri"' in page
    assert "https://esu.instructure.com/api/lti/registrations/170000000000045" in page


def test_only_a_plausible_registration_client_uri_is_kept():
    from lti_tool.lti.registration import _client_uri

    class Config:
        pass
    ok = "https://esu.instructure.com/api/lti/registrations/1"
    assert _client_uri(ok, Config()) == ok
    assert _client_uri("http://127.0.0.1:8123/api/lti/registrations/1", Config())
    for bad in ("javascript:alert(1)", "http://esu.instructure.com/r/1", "https://", 42, None, "https://x/" + "a" * 1100):
        assert _client_uri(bad, Config()) is None, bad
