"""Dynamic registration end to end: a Rapport admin makes a registration link; a test platform
that implements the spec's endpoints (Moodle-shaped and Canvas-shaped answers) opens it with its
configuration URL and registration token; the admin confirms; then the new client launches."""
import re

import pytest

from lti_tool.extensions import db
from lti_tool.models import Platform
from lti_tool.services import registrations
from tests.support.registration_platform import RegistrationPlatform

TOOL = "https://purl.imsglobal.org/spec/lti-tool-configuration"


def _invite(app):
    with app.app_context():
        return registrations.create_invite("for the test", "ops")[1]


def _register(client, token, tp):
    page = client.get(f"/lti/register/{token}",
                      query_string={"openid_configuration": tp.configuration_url, "registration_token": tp.token})
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    done = client.post(f"/lti/register/{token}", data={"payload": payload})
    return page, done


@pytest.mark.parametrize("shape,deployment", [("moodle", "2"), ("canvas", "93118:5855f382")])
def test_dynamic_registration_then_a_launch(app, client, shape, deployment):
    tp = RegistrationPlatform(shape, client_id=f"client-{shape}", deployment_id=deployment)
    try:
        token = _invite(app)
        page, done = _register(client, token, tp)
        html = page.get_data(as_text=True)
        # the configuration was fetched with the registration token (Canvas refuses it otherwise)
        assert tp.config_requests[0]["Authorization"] == f"Bearer {tp.token}"
        # the confirmation page says what Rapport asks for, and may be framed by the platform
        assert "send scores to the gradebook" in html and "Register Rapport" in html
        assert tp.url in page.headers["Content-Security-Policy"].split("frame-ancestors", 1)[1]
        assert done.status_code == 200, done.get_data(as_text=True)
        sent = tp.registrations[0]
        assert sent["headers"]["Authorization"] == f"Bearer {tp.token}"
        body = sent["body"]
        assert body["initiate_login_uri"] == "http://tool.test/lti/login"
        assert body["jwks_uri"] == "http://tool.test/lti/jwks"
        assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in body["scope"].split()
        if shape == "canvas":
            assert body[TOOL]["https://canvas.instructure.com/lti/privacy_level"] == "public"
        text = done.get_data(as_text=True)
        assert "org.imsglobal.lti.close" not in text  # the close message is sent by admin.js, on the button
        assert "data-lti-close" in text
        if shape == "moodle":
            assert "Pending" in text and "Accept grades from the tool" in text
        else:
            assert "Developer Keys" in text
        with app.app_context():
            p = db.session.execute(db.select(Platform).filter_by(client_id=tp.client_id)).scalar_one()
            assert p.issuer == tp.issuer and p.source == "dynamic" and p.product_family == shape
            assert p.key_set_url == tp.url + "/jwks" and p.auth_token_url == tp.url + "/token"
            assert [d.deployment_id for d in p.deployments] == [deployment]
            assert p.auto_accept_deployments is (shape == "canvas")
            # Canvas names where the registration lives (RFC 7592); Moodle does not
            assert p.registration_client_uri == (tp.url + "/api/lti/registrations/170000000000045"
                                                 if shape == "canvas" else None)
        # the new client launches
        resp, _, _ = tp.launch(client)
        assert resp.status_code == 303 and "/attempt/" in resp.headers["Location"]
        # the link was used up
        again = client.get(f"/lti/register/{token}", query_string={"openid_configuration": tp.configuration_url,
                                                                   "registration_token": tp.token})
        assert again.status_code == 403 and "already used" in again.get_data(as_text=True)
    finally:
        tp.server.stop()


def test_canvas_without_a_deployment_id_accepts_the_first_installs_id_at_launch(app, client):
    tp = RegistrationPlatform("canvas", client_id="170000000000571", deployment_id="93118:first-install",
                              return_deployment=False)
    try:
        _, done = _register(client, _invite(app), tp)
        assert done.status_code == 200 and "By Client ID" in done.get_data(as_text=True)
        resp, _, _ = tp.launch(client)
        assert resp.status_code == 303, resp.get_data(as_text=True)
        with app.app_context():
            p = db.session.execute(db.select(Platform).filter_by(client_id=tp.client_id)).scalar_one()
            assert [(d.deployment_id, d.source) for d in p.deployments] == [("93118:first-install", "auto")]
    finally:
        tp.server.stop()


def test_moodle_without_a_deployment_refuses_unknown_ids(app, client):
    tp = RegistrationPlatform("moodle", client_id="KBTULkY0YFLtngE", deployment_id="7", return_deployment=False)
    try:
        _register(client, _invite(app), tp)
        resp = client.post("/lti/login", data={"iss": tp.issuer, "login_hint": "4", "client_id": tp.client_id,
                                               "lti_deployment_id": "7", "target_link_uri": "http://tool.test/lti/launch"})
        assert resp.status_code == 403 and "deployment &#34;7&#34; is not registered" in resp.get_data(as_text=True)
    finally:
        tp.server.stop()


def test_registration_needs_a_valid_link(app, client):
    tp = RegistrationPlatform("moodle")
    try:
        q = {"openid_configuration": tp.configuration_url, "registration_token": tp.token}
        resp = client.get("/lti/register/not-a-real-link", query_string=q)
        assert resp.status_code == 403 and "not valid" in resp.get_data(as_text=True)
        assert tp.config_requests == []  # nothing fetched for a stranger
        with app.app_context():
            from datetime import timedelta
            token = registrations.create_invite(None, None, ttl=timedelta(seconds=-1))[1]
        resp = client.get(f"/lti/register/{token}", query_string=q)
        assert resp.status_code == 403 and "expired" in resp.get_data(as_text=True)
    finally:
        tp.server.stop()


def test_a_wrong_registration_token_or_a_tampered_confirmation_registers_nothing(app, client):
    tp = RegistrationPlatform("canvas")
    try:
        token = _invite(app)
        resp = client.get(f"/lti/register/{token}", query_string={"openid_configuration": tp.configuration_url,
                                                                  "registration_token": "wrong"})
        assert resp.status_code == 502 and "HTTP 401" in resp.get_data(as_text=True)
        resp = client.post(f"/lti/register/{token}", data={"payload": "forged"})
        assert resp.status_code == 400 and "expired or was altered" in resp.get_data(as_text=True)
        # a confirmation made for one link cannot be replayed on another
        page = client.get(f"/lti/register/{token}", query_string={"openid_configuration": tp.configuration_url,
                                                                  "registration_token": tp.token})
        payload = re.search(r'name="payload" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        other = _invite(app)
        resp = client.post(f"/lti/register/{other}", data={"payload": payload})
        assert resp.status_code == 400 and "another registration link" in resp.get_data(as_text=True)
        assert tp.registrations == []
        with app.app_context():
            assert db.session.execute(db.select(db.func.count()).select_from(Platform)
                                      .where(Platform.client_id == tp.client_id)).scalar_one() == 0
    finally:
        tp.server.stop()


def test_the_link_without_platform_parameters_explains_itself(app, client):
    resp = client.get(f"/lti/register/{_invite(app)}")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Add LTI Advantage" in text and "LTI Registration" in text
