"""Admin and registration pages in Chromium: keyboard only, axe-core 0 violations."""
import re

import pytest

from lti_tool.services import admins, registrations
from tests.support.browser import run_axe
from tests.support.platform import ServerThread
from tests.support.registration_platform import RegistrationPlatform

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"


@pytest.fixture
def rapport(app):
    server = ServerThread(app)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.port}"
    with app.app_context():
        admins.create_user("ops", PASSWORD)
    yield app.config["BASE_URL"]
    server.stop()


def focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return (e.id || e.name || e.textContent || '').trim(); }")


def tab_to(page, predicate, limit=60):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if predicate(focused(page)):
            return
    raise AssertionError(f"never reached by Tab; last focus {focused(page)!r}")


def test_admin_pages_by_keyboard_with_no_axe_violations(browser, rapport, axe_source, app):
    page = browser.new_page()
    page.goto(rapport + "/admin/")
    assert "/admin/login" in page.url
    assert run_axe(page, axe_source) == []
    tab_to(page, lambda f: f == "username")
    page.keyboard.type("ops")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(rapport + "/admin/")
    page.wait_for_load_state("networkidle")
    assert run_axe(page, axe_source) == []

    # add a platform by keyboard; the first try has a mistake, shown on its field
    tab_to(page, lambda f: f.startswith("Add a platform by hand"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/admin/platforms/new$"))
    values = {"name": "Moodle", "issuer": "https://moodle.example.edu", "client_id": "KBTULkY0YFLtngE",
              "deployment_ids": "2", "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
              "auth_token_url": "https://moodle.example.edu/mod/lti/token.php",
              "key_set_url": "http://moodle.example.edu/mod/lti/certs.php"}
    for field_id, value in values.items():
        tab_to(page, lambda f, want=field_id: f == want)
        page.keyboard.type(value)
    tab_to(page, lambda f: f == "Register platform")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("#key_set_url-error").inner_text().startswith("the key set (JWKS) URL must use https")
    assert page.get_attribute("#key_set_url", "aria-describedby").endswith("key_set_url-error")
    assert run_axe(page, axe_source) == []
    page.fill("#key_set_url", "")
    tab_to(page, lambda f: f == "key_set_url")
    page.keyboard.type("https://moodle.example.edu/mod/lti/certs.php")
    tab_to(page, lambda f: f == "Register platform")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/admin/platforms/\d+$"))
    page.wait_for_load_state("networkidle")
    assert "Platform Moodle registered." in page.inner_text("main")
    assert run_axe(page, axe_source) == []

    # disable a deployment by keyboard
    tab_to(page, lambda f: f.startswith("Disable") and "deployment 2" in f)
    page.keyboard.press("Enter")
    # the page posts and comes back to the same URL: wait for what it says, not for a load event
    page.get_by_text("Deployment 2 disabled.").wait_for()
    assert "Deployment 2 disabled." in page.inner_text("main")

    for path in ("/admin/registration-links", "/admin/keys", "/admin/"):
        page.goto(rapport + path)
        assert run_axe(page, axe_source) == [], path
    page.goto(rapport + "/admin/registration-links")
    tab_to(page, lambda f: f == "note")
    page.keyboard.type("Canvas production")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/lti/register/" in page.input_value("#new-link")
    assert run_axe(page, axe_source) == []
    page.close()


def test_registration_pages_have_no_axe_violations(browser, rapport, axe_source, app):
    tp = RegistrationPlatform("moodle")
    try:
        with app.app_context():
            token = registrations.create_invite(None, None)[1]
        page = browser.new_page()
        page.goto(f"{rapport}/lti/register/{token}?openid_configuration={tp.configuration_url}"
                  f"&registration_token={tp.token}")
        assert "Register Rapport with Moodle" in page.inner_text("h1")
        assert run_axe(page, axe_source) == []
        tab_to(page, lambda f: f == "Register Rapport")
        page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")
        assert "Rapport is registered with Moodle" in page.inner_text("h1")
        assert run_axe(page, axe_source) == []
        page.close()
    finally:
        tp.server.stop()


def test_platform_list_reflows_on_a_phone(browser, rapport, axe_source, app):
    """At 390 px the platform table becomes one card per platform: nothing scrolls sideways."""
    import os
    from pathlib import Path

    from lti_tool.extensions import db
    from lti_tool.models import Platform
    from lti_tool.models.base import utcnow
    from tests.support.browser import no_horizontal_scroll, screenshots
    with app.app_context():
        for n in range(2):
            db.session.add(Platform(
                issuer="https://canvas.instructure.com", client_id=f"17000000000057{n}", name=f"Canvas production {n}",
                auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
                auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
                key_set_url="https://sso.canvaslms.com/api/lti/security/jwks", source="dynamic",
                registration_client_uri=f"https://esu.instructure.com/api/lti/registrations/17000000000004{n}",
                last_error="The id_token is signed with a key the platform does not publish (its key set was fetched "
                           "again less than 30 s ago).", last_error_at=utcnow()))
        db.session.flush()
        from lti_tool.models import Deployment
        first = db.session.execute(db.select(Platform)).scalars().first()
        first.deployments.append(Deployment(deployment_id="93118:5855f3824b1ad0e1c70a3d2d35c5a1a8b6e1f8f2", source="auto",
                                            enabled=True, created_at=utcnow()))
        db.session.commit()
        pid = first.id
    page = browser.new_page()
    page.goto(rapport + "/admin/login")
    page.fill("#username", "ops")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(rapport + "/admin/")
    shots = Path(os.environ.get("RAPPORT_SHOTS", "/tmp/rapport-shots")) / "admin"
    for url in (rapport + "/admin/", f"{rapport}/admin/platforms/{pid}"):
        for width in (390, 320):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            assert no_horizontal_scroll(page) == [], (url, width, no_horizontal_scroll(page))
            assert run_axe(page, axe_source) == []
    page.goto(rapport + "/admin/")
    screenshots(browser, rapport + "/admin/", "admin-platforms", shots)
    screenshots(browser, f"{rapport}/admin/platforms/{pid}", "admin-platform", shots)
