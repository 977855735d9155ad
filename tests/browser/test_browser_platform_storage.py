"""LTI Platform Storage ("LTI Client Side postMessages") in real Chromium with third-party cookies
blocked: the practice LMS (localhost) frames Rapport (127.0.0.1) and answers lti.capabilities,
lti.put_data and lti.get_data as Canvas does. Each launch path is proven by what the platform
saw (window.platformStorageLog) and by the launch_state row the launch consumed."""
import pytest

from lti_tool.extensions import db
from lti_tool.models import LaunchState

from tests.support.browser import tool_frame, wait_for_url

pytestmark = pytest.mark.browser


def _launch(page, live, mode):
    page.goto(live["lms_url"] + f"/?storage={mode}")
    page.get_by_role("link", name="Launch as student").click()
    return tool_frame(page)


def _log(page):
    return page.evaluate("() => window.platformStorageLog")


def _used_states(app):
    with app.app_context():
        return db.session.execute(db.select(LaunchState).where(LaunchState.used_at.is_not(None))).scalars().all()


def _no_tool_cookies(browser):
    assert [c for c in browser.cookies() if c["domain"] == "127.0.0.1" and not c.get("partitionKey")] == []


def test_launch_through_platform_storage_when_the_login_names_a_target(app, live, browser):
    page = browser.new_page()
    frame = _launch(page, live, "target")
    frame = wait_for_url(page, frame, "/attempt/")
    frame.get_by_role("heading", level=1).wait_for()
    _no_tool_cookies(browser)
    log = _log(page)
    subjects = [m["subject"] for m in log]
    # Put at login, read back at launch, then cleared (a put with no value); all from Rapport's origin.
    assert subjects == ["lti.put_data", "lti.get_data", "lti.put_data"], log
    assert {m["origin"] for m in log} == {live["tool_url"]}
    assert log[0]["key"] == log[1]["key"] == log[2]["key"] and log[0]["key"].startswith("rapport-state-")
    used = _used_states(app)
    assert [(s.storage_target, bool(s.storage_secret)) for s in used] == [("_parent", True)]
    assert log[0]["key"] == "rapport-" + used[0].state


def test_launch_through_platform_storage_found_by_asking_capabilities(app, live, browser):
    page = browser.new_page()
    frame = _launch(page, live, "probe")
    frame = wait_for_url(page, frame, "/attempt/")
    _no_tool_cookies(browser)
    subjects = [m["subject"] for m in _log(page)]
    assert subjects == ["lti.capabilities", "lti.put_data", "lti.get_data", "lti.put_data"], subjects
    assert [s.storage_target for s in _used_states(app)] == ["_parent"]


def test_without_platform_storage_the_cookie_path_still_launches(app, live, browser):
    # Moodle 4.5: no lti_storage_target and no answer to lti.capabilities. The state row alone
    # (single use, nonce-bound) carries the launch, as before.
    page = browser.new_page()
    frame = _launch(page, live, "off")
    frame = wait_for_url(page, frame, "/attempt/")
    _no_tool_cookies(browser)
    assert _log(page) == []
    assert [s.storage_target for s in _used_states(app)] == [None]


def test_a_launch_whose_platform_storage_lacks_the_login_is_refused(app, live, browser):
    # As if the id_token were replayed into another browser: the platform has no value for this
    # login, and no login cookie comes with the launch (cleared while the LMS authorizes: another
    # browser has none).
    page = browser.new_page()

    def forget_cookies(route):
        browser.clear_cookies()
        route.continue_()
    page.route("**/authorize**", forget_cookies)
    frame = _launch(page, live, "forget")
    frame = wait_for_url(page, frame, "/lti/launch")
    frame.get_by_role("heading", name="Rapport could not start this launch").wait_for()
    assert "could not confirm that this launch started in this browser" in frame.locator("main").inner_text()
    assert _used_states(app) == []


def test_no_launch_token_in_any_frame_url_and_reload_keeps_the_page(app, live, browser):
    """Third-party cookies blocked, yet the launch cookie is partitioned (CHIPS) and kept: every
    page is a plain GET with no token in its URL, so a reload works and history holds no token."""
    page = browser.new_page()
    seen = []
    page.on("framenavigated", lambda f: seen.append(f.url))
    frame = _launch(page, live, "target")
    frame = wait_for_url(page, frame, "/attempt/")
    frame.locator("#start-button").click()
    frame.locator("#attempt-form").wait_for()
    frame.evaluate("() => location.reload()")
    frame.locator("#attempt-form").wait_for()
    assert frame.locator("section.question").count() > 0
    assert seen and not [u for u in seen if "lt=" in u], seen
    kept = [c for c in browser.cookies() if c["domain"] == "127.0.0.1"]
    assert kept and all(c.get("partitionKey") for c in kept), kept  # only partitioned cookies stick


def test_when_platform_storage_cannot_answer_the_partitioned_state_cookie_decides(app, live, browser):
    # The platform names a storage target but answers the launch's lti.get_data with an error: the
    # login's own state cookie (Secure; SameSite=None; Partitioned, so kept in the LMS frame with
    # third-party cookies blocked) proves the browser instead.
    page = browser.new_page()
    sent = []  # the state cookies each launch POST carried (the launch then expires the one it used)
    page.on("request", lambda r: sent.append(r.header_value("cookie") or "")
            if r.method == "POST" and r.url.endswith("/lti/launch") else None)
    frame = _launch(page, live, "broken")
    frame = wait_for_url(page, frame, "/attempt/")
    assert [m["subject"] for m in _log(page)][:2] == ["lti.put_data", "lti.get_data"]
    assert sent and "lti1p3-rapport-lti-state-" in sent[-1], sent
    assert [c for c in browser.cookies() if c["name"].startswith("lti1p3-rapport-lti-state-")] == []
    _no_tool_cookies(browser)  # what it set was partitioned
    assert [s.storage_target for s in _used_states(app)] == ["_parent"]


def test_the_hop_pages_have_no_axe_violations(app, client, platform, browser, axe_source):
    """The pages shown for a moment during a launch (probe, put, get, hand-off) as served, with
    their scripts blocked so they stay on screen for axe."""
    import re

    from tests.support.browser import run_axe
    q = {"iss": platform.issuer, "login_hint": "student-1", "client_id": platform.client_id,
         "target_link_uri": "http://tool.test/lti/launch"}
    probe = client.post("/lti/login", data=q, headers={"Sec-Fetch-Dest": "iframe"}).get_data(as_text=True)
    put = client.post("/lti/login", data={**q, "lti_storage_target": "_parent"})
    html_put = put.get_data(as_text=True)
    auth = re.search(r'data-auth-url="([^"]+)"', html_put).group(1).replace("&amp;", "&")
    state, nonce = re.search(r"state=([^&]+)", auth).group(1), re.search(r"nonce=([^&]+)", auth).group(1)
    token = platform.sign(platform.claims(nonce))
    get = client.post("/lti/launch", data={"id_token": token, "state": state}).get_data(as_text=True)
    value = re.search(r'data-value="([^"]+)"', html_put).group(1)
    handoff = client.post("/lti/launch", data={"id_token": token, "state": state, "rapport_storage_value": value},
                          headers={"Sec-Fetch-Mode": "navigate"}).get_data(as_text=True)
    page = browser.new_page()
    for name, html in (("probe", probe), ("put", html_put), ("get", get), ("handoff", handoff)):
        assert "<h1>" in html, name
        page.set_content(re.sub(r"<script[^>]*></script>", "", html))
        assert run_axe(page, axe_source) == [], name
