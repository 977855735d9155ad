"""Disabled platforms and deployments, unknown deployment ids (named on the page), auto-accepted
deployments, and the per-platform last launch and last error the admin pages show."""
from lti_tool.extensions import db
from lti_tool.models import Deployment, Platform
from lti_tool.services import platforms as platform_service


def _platform(app, tp):
    with app.app_context():
        return db.session.execute(db.select(Platform).filter_by(issuer=tp.issuer, client_id=tp.client_id)).scalar_one()


def test_a_launch_records_when_the_platform_and_deployment_last_launched(app, client, platform):
    resp, _, _ = platform.launch(client)
    assert resp.status_code == 303
    with app.app_context():
        p = db.session.execute(db.select(Platform).filter_by(issuer=platform.issuer)).scalar_one()
        assert p.last_launch_at is not None and p.deployments[0].last_launch_at is not None


def test_a_disabled_platform_is_refused_at_login_with_a_clear_page(app, client, platform):
    pid = _platform(app, platform).id
    with app.app_context():
        platform_service.set_enabled(pid, False)
    resp = client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "s", "client_id": platform.client_id,
                                           "target_link_uri": "http://tool.test/lti/launch"})
    assert resp.status_code == 403 and "is disabled" in resp.get_data(as_text=True)
    with app.app_context():
        p = db.session.get(Platform, pid)
        assert "is disabled" in p.last_error and p.last_error_at is not None


def test_an_unknown_deployment_is_named_on_the_page(app, client, platform):
    resp = client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "s", "client_id": platform.client_id,
                                           "lti_deployment_id": "93118:new-install",
                                           "target_link_uri": "http://tool.test/lti/launch"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "93118:new-install" in text and "not registered" in text
    # and at launch (a platform that sends no lti_deployment_id at login)
    state, nonce = platform.login(client, lti_deployment_id=None)
    claims = platform.claims(nonce)
    claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "93118:other"
    resp = client.post("/lti/launch", data={"id_token": platform.sign(claims), "state": state})
    assert resp.status_code == 403 and "93118:other" in resp.get_data(as_text=True)
    with app.app_context():
        assert "93118:other" in _platform(app, platform).last_error


def test_auto_accept_adds_a_new_deployment_only_after_a_verified_launch(app, client, platform):
    pid = _platform(app, platform).id
    with app.app_context():
        platform_service.update(pid, auto_accept_deployments=True)
    # a forged token (wrong key) with a new deployment id adds nothing
    from tests.support.platform import new_key
    other_key, _ = new_key()
    state, nonce = platform.login(client, lti_deployment_id="93118:forged")
    claims = platform.claims(nonce)
    claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "93118:forged"
    resp = client.post("/lti/launch", data={"id_token": platform.sign(claims, key=other_key), "state": state})
    assert resp.status_code == 401
    state, nonce = platform.login(client, lti_deployment_id="93118:reinstall")
    claims = platform.claims(nonce)
    claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "93118:reinstall"
    resp = client.post("/lti/launch", data={"id_token": platform.sign(claims), "state": state})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    with app.app_context():
        deps = {d.deployment_id: d.source for d in db.session.execute(
            db.select(Deployment).where(Deployment.platform_id == pid)).scalars()}
    assert deps == {platform.deployment_id: "cli", "93118:reinstall": "auto"}


def test_a_disabled_deployment_is_refused(app, client, platform):
    pid = _platform(app, platform).id
    with app.app_context():
        platform_service.set_deployment_enabled(pid, platform.deployment_id, False)
    resp = client.post("/lti/login", data={"iss": platform.issuer, "login_hint": "s", "client_id": platform.client_id,
                                           "lti_deployment_id": platform.deployment_id,
                                           "target_link_uri": "http://tool.test/lti/launch"})
    assert resp.status_code == 403 and "disabled" in resp.get_data(as_text=True)


def test_remove_is_refused_while_attempts_exist_and_force_removes_everything(app, client, platform):
    resp, _, _ = platform.launch(client)
    assert resp.status_code == 303
    pid = _platform(app, platform).id
    with app.app_context():
        import pytest
        with pytest.raises(platform_service.PlatformError, match="1 student attempt"):
            platform_service.remove(pid)
        platform_service.remove(pid, force=True)
        from lti_tool.models import Attempt, Context, User
        for model in (Platform, Deployment, User, Context, Attempt):
            assert db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one() == 0
