"""Adaptive practice, end to end in the practice LMS (lti1p3platform), cross-site and cookieless:
the instructor turns the link into adaptive practice on the settings page; a student practises
one question at a time to the stopping rule, sees mastery by topic, the study plan that names
the habit they were given, and takes the one-click targeted practice set; the practice LMS's
gradebook receives completion."""
import re
import time
from urllib.parse import urljoin

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.services import adaptive, bank_store
from tests.support.cookieless import CookielessBrowser, forms
from tests.support.forms import form_fields
from tests.support.live import live, wait_until  # noqa: F401  (fixture)
from tests.support.practice import choose, habit_mix

SETTINGS = {"title": "Alliance adaptive practice", "blueprint_key": "alliance-practice", "attempts_allowed": "1",
            "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": "10",
            "time_limit_minutes": "", "shuffle_options": "y", "action": "save", "mode": "adaptive",
            "adaptive_max_items": "30", "adaptive_precision": "0.35", "adaptive_grade": "completion"}
HABIT = "false-reassurance"


def _answer_for(app, attempt_id):
    """The key, except that this student picks a false-reassurance option wherever one is offered
    (single-choice, select-all, select-N)."""
    with app.app_context():
        item = adaptive.current_item(db.session.get(Attempt, attempt_id))
        t = bank_store.item_type(item.bank_item)
        kind = item.bank_item.type
        return kind, choose(kind, item.bank_item.definition, t.correct_response(), HABIT)


def _practise(b, app, page):
    """Answer through the page's own form until the session stops; returns (questions, mastery page)."""
    n = 0
    while "/mastery" not in page.url:
        assert page.status_code == 200, page.text
        attempt_id = int(re.search(r"/practice/(\d+)", page.url).group(1))
        form = next(f for f in forms(page.text) if (f["action"] or "").endswith("/answer"))
        fields = dict(form["fields"])
        kind, response = _answer_for(app, attempt_id)
        position = fields["position"]
        assert f"Question {position}" in page.text
        page = b.post(urljoin(page.url, form["action"]),
                      [("lt", fields["lt"]), ("position", position)] + form_fields(kind, f"q{position}", response))
        n += 1
        assert n <= 40
    return n, page


def test_adaptive_session_mastery_study_plan_and_targeted_set(app, live):
    b = CookielessBrowser()
    # The instructor: the link's settings page, adaptive practice on.
    page = b.follow_autopost(b.get(live["lms_url"] + "/launch/instructor"))
    assert "/instructor/settings" in page.url and "Adaptive practice" in page.text
    lt = re.search(r'name="lt" value="([^"]+)"', page.text).group(1)
    saved = b.post(urljoin(page.url, "/instructor/settings"), dict(SETTINGS, lt=lt))
    assert saved.status_code == 200 and "saved" in saved.text.lower(), saved.text[:500]
    # Half of each session from items that offer false reassurance: since the distractor revision
    # only ~15 single-choice items do, and a session could meet fewer than the two a habit needs.
    habit_mix(app, HABIT)

    # The student: straight into the session (no start page: practice is untimed).
    page = b.follow_autopost(b.get(live["lms_url"] + "/launch/student"))
    assert "/practice/" in page.url and "Adaptive practice" in page.text and "Question 1" in page.text
    first_id = int(re.search(r"/practice/(\d+)", page.url).group(1))
    asked, page = _practise(b, app, page)
    assert "Mastery by topic" in page.text and "Session finished after" in page.text
    assert re.search(r"Likely mastered|Borderline|Needs practice", page.text)
    with app.app_context():
        a = db.session.get(Attempt, first_id)
        assert a.state == "graded" and len(a.items) == asked and a.adaptive["stopped"] in ("precision", "length")
        topics = {i.bank_item.topic for i in a.items}
    assert len(topics) >= 6  # the alliance-practice set spreads the session over its topics

    # The gradebook gets completion: the full 10 points, whatever the answers.
    assert wait_until(lambda: bool(live["gradebook"].scores), 15), "no score reached the practice LMS"
    assert live["gradebook"].scores[-1]["score"]["scoreGiven"] == 10

    # The study plan names the habit, with its explanation and two unseen worked examples.
    plan = b.get(urljoin(page.url, re.search(r'href="([^"]+/plan\?[^"]+)"', page.text).group(1).replace("&amp;", "&")))
    assert "1. False reassurance when a client voices fear" in plan.text
    assert plan.text.count('class="worked-example"') >= 2

    # One click: a targeted set on that habit, to its stop.
    form = next(f for f in forms(plan.text) if (f["action"] or "").endswith("/targeted")
                and ("technique", HABIT) in f["fields"])
    page = b.post(urljoin(plan.url, form["action"]), form["fields"])
    assert "Targeted practice: False reassurance" in page.text
    asked, page = _practise(b, app, page)
    assert 4 <= asked <= 8 and "It practised false reassurance" in page.text
    time.sleep(0.2)
