"""LTI Platform Storage ("LTI Client Side postMessages") on the server side: a login naming an
lti_storage_target stores a secret in the platform (page + lti.put_data), and its launch is
accepted only with that secret read back in the same browser, or, when the platform's storage
cannot answer, with the login's own cookie. The browser side is tests/browser/test_browser_platform_storage.py."""
import re

import pytest

from lti_tool.extensions import db
from lti_tool.models import LaunchState
from lti_tool.lti.login import COOKIE_PREFIX, state_cookie


def _storage_login(client, platform, target="post_message_forwarding"):
    q = {"iss": platform.issuer, "login_hint": "student-1", "target_link_uri": "http://tool.test/lti/launch",
         "client_id": platform.client_id, "lti_deployment_id": platform.deployment_id,
         "lti_storage_target": target}
    resp = client.post("/lti/login", data=q)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    html = resp.get_data(as_text=True)
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', html))
    auth = attrs["auth-url"].replace("&amp;", "&")
    state = re.search(r"[?&]state=([^&]+)", auth).group(1)
    nonce = re.search(r"[?&]nonce=([^&]+)", auth).group(1)
    return resp, attrs, state, nonce


def _row(app, state):
    with app.app_context():
        return db.session.get(LaunchState, state)


def test_a_login_naming_a_storage_target_puts_a_secret_in_the_platform(app, client, platform):
    resp, attrs, state, _ = _storage_login(client, platform)
    assert attrs["mode"] == "put" and attrs["target"] == "post_message_forwarding"
    assert attrs["origin"] == platform.issuer.rstrip("/")  # the OIDC auth URL's origin
    assert attrs["key"] == f"rapport-{state}"
    row = _row(app, state)
    assert row.storage_target == "post_message_forwarding" and row.storage_secret == attrs["value"]
    assert attrs["value"] != state and len(attrs["value"]) >= 40  # a secret, not the (public) state
    # The cookie fallback is set as well.
    assert any(state_cookie(state) in c for c in resp.headers.getlist("Set-Cookie"))
    assert "lti_storage.js" in resp.get_data(as_text=True)


def test_a_bad_storage_target_falls_back_to_the_redirect(client, platform):
    resp = client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "student-1",
                                           "client_id": platform.client_id, "lti_storage_target": "<script>"})
    assert resp.status_code == 302


def test_the_launch_first_asks_the_browser_and_consumes_nothing(app, client, platform):
    _, attrs, state, nonce = _storage_login(client, platform)
    token = platform.sign(platform.claims(nonce))
    client.delete_cookie(COOKIE_PREFIX + state_cookie(state), domain="localhost")
    resp = client.post("/lti/launch", data={"id_token": token, "state": state})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-mode="get"' in html and f'data-key="rapport-{state}"' in html
    assert 'data-target="post_message_forwarding"' in html
    assert _row(app, state).used_at is None
    # The page posts the launch again with the value the platform gave back.
    ok = client.post("/lti/launch", data={"id_token": token, "state": state, "rapport_storage_value": attrs["value"]})
    assert ok.status_code == 303 and "/attempt/" in ok.headers["Location"]
    assert _row(app, state).used_at is not None
    replay = client.post("/lti/launch", data={"id_token": token, "state": state, "rapport_storage_value": attrs["value"]})
    assert replay.status_code == 401


def test_a_wrong_stored_value_is_refused(app, client, platform):
    _, _attrs, state, nonce = _storage_login(client, platform)
    token = platform.sign(platform.claims(nonce))
    resp = client.post("/lti/launch", data={"id_token": token, "state": state, "rapport_storage_value": "guess"})
    assert resp.status_code == 401 and "started in another browser" in resp.get_data(as_text=True)
    assert _row(app, state).used_at is None


@pytest.mark.parametrize("with_cookie, status", [(True, 303), (False, 401)])
def test_storage_that_cannot_answer_falls_back_to_the_login_cookie(app, client, platform, with_cookie, status):
    _, _attrs, state, nonce = _storage_login(client, platform)
    if not with_cookie:
        client.delete_cookie(COOKIE_PREFIX + state_cookie(state), domain="localhost")
    token = platform.sign(platform.claims(nonce))
    resp = client.post("/lti/launch", data={"id_token": token, "state": state, "rapport_storage": "unavailable"})
    assert resp.status_code == status, resp.get_data(as_text=True)
    if status == 401:
        assert "could not confirm" in resp.get_data(as_text=True)
        assert _row(app, state).used_at is None


def test_a_cookie_path_login_ignores_storage_fields(client, platform):
    state, nonce = platform.login(client)
    token = platform.sign(platform.claims(nonce))
    resp = client.post("/lti/launch", data={"id_token": token, "state": state, "rapport_storage_value": "x"})
    assert resp.status_code == 303


def test_a_framed_login_without_a_target_asks_the_platform_first(client, platform):
    q = {"iss": platform.issuer, "login_hint": "student-1", "client_id": platform.client_id,
         "lti_message_hint": "hint-1", "target_link_uri": "http://tool.test/lti/launch"}
    probe = client.post("/lti/login", data=q, headers={"Sec-Fetch-Dest": "iframe"})
    assert probe.status_code == 200
    html = probe.get_data(as_text=True)
    assert 'data-mode="probe"' in html and 'name="rapport_probed" value="1"' in html
    assert 'name="lti_message_hint" value="hint-1"' in html  # carried in the form, not a URL
    # Top-level logins, and the probe's own second post, go straight to the platform.
    assert client.post("/lti/login", data=q).status_code == 302
    again = client.post("/lti/login", data={**q, "rapport_probed": "1"}, headers={"Sec-Fetch-Dest": "iframe"})
    assert again.status_code == 302


def test_the_probe_can_be_turned_off(app, client, platform):
    app.config["LTI_STORAGE_PROBE_MS"] = 0
    q = {"iss": platform.issuer, "login_hint": "student-1", "client_id": platform.client_id}
    assert client.post("/lti/login", data=q, headers={"Sec-Fetch-Dest": "iframe"}).status_code == 302
