"""The launch token never rides in a URL for a browser (one that sends Fetch Metadata): it is in
page state and a partitioned cookie per resource link; a page change is a 303 to a token-free
URL where the cookie came back, else a hand-off page posting the token in its form body."""
import re
from urllib.parse import urlparse

import pytest

from lti_tool.launch_token import COOKIE_PREFIX

BROWSER = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe", "Sec-Fetch-Site": "cross-site"}


@pytest.fixture
def client(app):
    return app.test_client(use_cookies=False)  # each test says which cookies the browser sends


def _browser_launch(client, platform):
    state, nonce = platform.login(client)
    token = platform.sign(platform.claims(nonce))
    return client.post("/lti/launch", data={"id_token": token, "state": state}, headers=BROWSER)


def _launch_cookie(resp):
    found = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith(COOKIE_PREFIX)]
    assert len(found) == 1, resp.headers.getlist("Set-Cookie")
    return found[0]


def _no_token_in_urls(html):
    for url in re.findall(r'(?:href|action|src|data-url)="([^"]*)"', html):
        assert "lt=" not in url, url


def test_a_browser_launch_answers_with_the_first_page_and_no_token_in_any_url(client, platform):
    """The launch's own response is the start page (no request of its own for the first page),
    with the token in form bodies and the partitioned cookie, and a form that settles the page at
    its own URL (static/handoff.js)."""
    resp = _browser_launch(client, platform)
    assert resp.status_code == 200  # the first page itself, not a redirect with ?lt=
    html = resp.get_data(as_text=True)
    assert 'id="start-button"' in html
    _no_token_in_urls(html)
    action = re.search(r'<form id="launch-settle" method="post" action="([^"]+)"', html).group(1)
    assert re.fullmatch(r"/attempt/\d+", action)
    assert 'data-check-url="/lti/cookie-check?link=' in html and "handoff.js" in html
    token = re.search(r'name="lt" value="([^"]+)"', html).group(1)
    cookie = _launch_cookie(resp)
    for attr in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/"):
        assert attr in cookie, cookie
    # Where the cookie does not come back, the page posts the token to its own URL: the same
    # page, with no settling to do and no token in any link or form action.
    start = client.post(action, data={"lt": token}, headers=BROWSER)
    body = start.get_data(as_text=True)
    assert start.status_code == 200 and 'id="start-button"' in body and "launch-settle" not in body
    _no_token_in_urls(body)


def test_a_script_launch_still_gets_a_redirect(client, platform):
    """Clients without Fetch Metadata (scripts, old browsers) are sent on with a 303."""
    state, nonce = platform.login(client)
    resp = client.post("/lti/launch", data={"id_token": platform.sign(platform.claims(nonce)), "state": state})
    assert resp.status_code == 303 and re.search(r"/attempt/\d+\?lt=", resp.headers["Location"])


def test_where_the_cookie_comes_back_pages_are_plain_gets(client, platform):
    resp = _browser_launch(client, platform)
    name, value = _launch_cookie(resp).split(";")[0].split("=", 1)
    action = re.search(r'action="(/attempt/\d+)"', resp.get_data(as_text=True)).group(1)
    jar = {"Cookie": f"{name}={value}", **BROWSER}
    link = name.removeprefix(COOKIE_PREFIX)
    assert client.get(f"/lti/cookie-check?link={link}", headers=jar).get_json() == {"kept": True}
    assert client.get(f"/lti/cookie-check?link={link}", headers=BROWSER).get_json() == {"kept": False}
    # A reload: GET with only the cookie.
    page = client.get(action, headers=jar)
    assert page.status_code == 200 and 'id="start-button"' in page.get_data(as_text=True)
    # Start (a form post with the page's token) answers with a 303 to a URL with no token.
    token = re.search(r'name="lt" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    started = client.post(action + "/start", data={"lt": token}, headers=jar)
    assert started.status_code == 303
    assert "lt=" not in started.headers["Location"] and urlparse(started.headers["Location"]).path == action
    questions = client.get(started.headers["Location"], headers=jar)
    assert 'id="attempt-form"' in questions.get_data(as_text=True)
    _no_token_in_urls(questions.get_data(as_text=True))


def test_without_the_cookie_a_page_change_posts_the_token(client, platform):
    resp = _browser_launch(client, platform)
    html = resp.get_data(as_text=True)
    action = re.search(r'action="(/attempt/\d+)"', html).group(1)
    token = re.search(r'name="lt" value="([^"]+)"', html).group(1)
    started = client.post(action + "/start", data={"lt": token}, headers=BROWSER)
    assert started.status_code == 200 and 'id="handoff"' in started.get_data(as_text=True)
    assert "data-check-url" not in started.get_data(as_text=True)
    _no_token_in_urls(started.get_data(as_text=True))
    # And a GET with neither token nor cookie is refused, not served.
    assert client.get(action, headers=BROWSER).status_code == 401


def test_another_links_cookie_does_not_open_this_attempt(client, platform):
    resp = _browser_launch(client, platform)
    action = re.search(r'action="(/attempt/\d+)"', resp.get_data(as_text=True)).group(1)
    name, value = _launch_cookie(resp).split(";")[0].split("=", 1)
    other = int(action.rsplit("/", 1)[1]) + 1000
    assert client.get(f"/attempt/{other}", headers={"Cookie": f"{name}={value}", **BROWSER}).status_code in (403, 404)


def test_adaptive_practice_pages_keep_the_token_out_of_urls(app, client, platform):
    """The practice session, its answers, the mastery page and the study plan move the token as
    the exam does: hand-off or cookie, never ?lt= in a Location, link or form action."""
    from werkzeug.datastructures import MultiDict

    from tests.support.forms import form_fields
    from tests.support.practice import adaptive_link, current

    adaptive_link(app.test_client(), platform, app, max_items=5)
    resp = _browser_launch(client, platform)
    name, value = _launch_cookie(resp).split(";")[0].split("=", 1)
    jar = {"Cookie": f"{name}={value}", **BROWSER}
    # The launch hands off straight to the practice session (its form body carries the token).
    where = re.search(r'<form id="handoff" method="post" action="(/practice/\d+)"', resp.get_data(as_text=True)).group(1)
    aid = int(where.rsplit("/", 1)[1])
    for _ in range(40):
        page = client.get(where, headers=jar)
        if page.status_code == 303:  # the session stopped: on to mastery
            assert "lt=" not in page.headers["Location"]
            where = page.headers["Location"]
            continue
        html = page.get_data(as_text=True)
        assert page.status_code == 200, html
        _no_token_in_urls(html)
        if "/mastery" in where:
            break
        position, kind, _, key = current(app, aid)
        token = re.search(r'name="lt" value="([^"]+)"', html).group(1)
        answered = client.post(f"/practice/{aid}/answer", headers=jar, data=MultiDict(
            [("lt", token), ("position", str(position))] + form_fields(kind, f"q{position}", key)))
        assert answered.status_code == 303 and "lt=" not in answered.headers["Location"]
        where = answered.headers["Location"]
    assert "/mastery" in where
    token = re.search(r'name="lt" value="([^"]+)"', html).group(1)
    assert 'id="plan-link"' in html and "<button" in html.split('id="plan-link"')[0][-200:]
    plan = client.post(f"/practice/{aid}/plan", data={"lt": token}, headers=BROWSER)  # no cookie: the posted token
    assert plan.status_code == 200 and "Your study plan" in plan.get_data(as_text=True)
    _no_token_in_urls(plan.get_data(as_text=True))
