"""axe-core (WCAG 2.0/2.1 A+AA, 2.2 AA) on every student page, reflow at 320 px, and no answer key in the attempt page."""
import html
import json

import pytest
import requests

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.services.bank_store import item_type
from tests.support.browser import (shareable_url, ITEM_TYPES, answer_with_pointer, attempt_id_of, correct_pairs, launch_in_lms,
                                   run_axe, wait_for_url, wait_saved)

pytestmark = pytest.mark.browser


def _report(violations):
    return json.dumps(violations, indent=1)


def _some_right_some_wrong(app, frame, attempt_id):
    """Answer the odd questions right and leave the even ones with the first options, so the review shows both."""
    pairs = correct_pairs(app, attempt_id)
    answer_with_pointer(frame, {p for p in pairs if int(p[0][1:].split("-")[0]) % 2 == 1})
    wait_saved(frame)


def test_axe_attempt_review_and_instructor_pages(app, every_type, browser, axe_source):
    live = every_type
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    attempt_id = attempt_id_of(frame.url)
    with app.app_context():
        types = sorted(i.bank_item.type for i in db.session.get(Attempt, attempt_id).items)
    assert types == sorted(ITEM_TYPES)

    assert run_axe(frame, axe_source) == [], "attempt page (empty):\n" + _report(run_axe(frame, axe_source))
    _some_right_some_wrong(app, frame, attempt_id)
    found = run_axe(frame, axe_source)
    assert found == [], "attempt page (answered):\n" + _report(found)

    frame.get_by_label("I am ready to submit").check()
    frame.get_by_role("button", name="Submit answers").click()
    frame = wait_for_url(page, frame, "/review")
    frame.locator("#by-question").wait_for()
    assert frame.locator(".rationale").count() > 10, "the review should show rationales"
    found = run_axe(frame, axe_source)
    assert found == [], "review page:\n" + _report(found)

    frame = launch_in_lms(page, live, role="instructor", path_part="/instructor/")
    assert frame.locator("table.results tbody tr").count() >= 1
    found = run_axe(frame, axe_source)
    assert found == [], "instructor overview:\n" + _report(found)


def test_axe_error_page(app, live, browser, axe_source):
    page = browser.new_page()
    resp = page.goto(live["tool_url"] + "/attempt/1?lt=not-a-launch-token")
    assert resp.status >= 400
    assert page.get_by_role("alert").is_visible()
    found = run_axe(page, axe_source)
    assert found == [], "error page:\n" + _report(found)


def test_attempt_page_reflows_at_320_px(app, every_type, browser, axe_source):
    page = browser.new_page()
    frame = launch_in_lms(page, every_type)
    # The attempt as a phone shows it: a 320 CSS px wide window of its own.
    phone = browser.new_page()
    phone.set_viewport_size({"width": 320, "height": 640})
    phone.goto(shareable_url(frame))
    widths = phone.evaluate("() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
                            " body: document.body.scrollWidth})")
    assert widths["scroll"] <= widths["client"] and widths["body"] <= widths["client"], widths
    wide = phone.evaluate("""() => Array.from(document.querySelectorAll('main *'))
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.closest('.table-wrap, .visually-hidden, .sr-only'))
        .slice(0, 5).map(e => e.outerHTML.slice(0, 120))""")
    assert wide == [], wide
    found = run_axe(phone, axe_source)
    assert found == [], "attempt page at 320 px:\n" + _report(found)


def _strings_under(obj, keys):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys and isinstance(v, str):
                yield v
            else:
                yield from _strings_under(v, keys)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings_under(v, keys)


def _keys_in(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys_in(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys_in(v)


def test_attempt_page_carries_no_key_and_no_rationale(app, every_type, browser):
    page = browser.new_page()
    frame = launch_in_lms(page, every_type)
    attempt_id = attempt_id_of(frame.url)
    raw = requests.get(shareable_url(frame)).text        # as served
    rendered = frame.content()                # as the browser holds it after scripts ran
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        secrets = set()
        for i in attempt.items:
            d = i.bank_item.definition
            secrets |= {s for s in _strings_under(d, {"rationale", "feedback", "general_feedback"}) if len(s) > 15}
            view_keys = set(_keys_in(item_type(i.bank_item).present(i.presentation)))
            assert not view_keys & {"key", "rationale", "technique", "feedback", "correct", "is_key"}, (i.bank_item.type, view_keys)
    assert len(secrets) > 30
    for text in (raw, rendered, html.unescape(raw)):
        leaked = [s for s in secrets if s in text or html.escape(s) in text]
        assert leaked == [], leaked[:3]
        lowered = text.lower()
        # Markup and JSON that would carry a key or a technique tag (a stem may say "technique"
        # in words: "...that applies a therapeutic technique").
        for marker in ('class="rationale', "data-rationale", "data-key", "is_key", "is-key", "data-correct",
                       "data-technique", '"technique"', "technique=", 'class="technique'):
            assert marker not in lowered, marker


def test_axe_helper_does_find_violations(browser, axe_source):
    """The 0-violation assertions above mean something: the same helper flags a broken page."""
    page = browser.new_page()
    page.set_content('<html><body><img src="x.png"><input type="text"><p style="color:#aaa;background:#fff">faint</p></body></html>')
    ids = {v["id"] for v in run_axe(page, axe_source)}
    assert {"image-alt", "label", "html-has-lang", "color-contrast"} <= ids, ids
