"""Exam delivery through the test client: the start page starts the clock, case studies unfold only
as the student reaches them, and locked or unreached answers cannot be changed by a crafted request."""
import re
from urllib.parse import parse_qs, urlparse

from werkzeug.datastructures import MultiDict

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from lti_tool.services.bank_store import item_type
from tests.support.browser import case_study_only
from tests.support.forms import form_fields
from tests.support.platform import INSTRUCTOR


def _token(location):
    return parse_qs(urlparse(location).query)["lt"][0]


def _setup(client, platform, app, case=True, **settings):
    platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    size = case_study_only(app) if case else None
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        if case:
            a.blueprint = dict(a.blueprint, collections=["case-test"], sections=[{"filter": {}, "count": size}])
        for k, v in settings.items():
            setattr(a, k, v)
        db.session.commit()
    resp, _, _ = platform.launch(client)
    loc = resp.headers["Location"]
    return int(re.search(r"/attempt/(\d+)", loc).group(1)), _token(loc), size


def _save(client, aid, lt, pos, response, seq, kind):
    data = MultiDict(form_fields(kind, f"q{pos}", response) + [("position", str(pos)), ("seq", str(seq))])
    return client.post(f"/attempt/{aid}/save", data=data, headers={"X-Launch-Token": lt, "Accept": "application/json"})


def test_the_clock_starts_at_start_not_at_launch(client, platform, app):
    aid, lt, _ = _setup(client, platform, app, case=False, time_limit_minutes=20)
    page = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)
    assert 'id="start-button"' in page and "20 minutes" in page and 'name="q1"' not in page
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert a.deadline_at is None
        first = a.items[0]
        kind, right = first.bank_item.type, item_type(first.bank_item).correct_response()
    assert _save(client, aid, lt, 1, right, 1, kind).status_code == 409  # no answers before Start
    client.post(f"/attempt/{aid}/start", data={"lt": lt})
    with app.app_context():
        a = db.session.get(Attempt, aid)
        deadline = a.deadline_at
        assert (a.deadline_at - a.opened_at).total_seconds() == 20 * 60
    client.post(f"/attempt/{aid}/start", data={"lt": lt})  # pressing again does not restart the clock
    with app.app_context():
        assert db.session.get(Attempt, aid).deadline_at == deadline
    page = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)
    assert 'id="start-button"' not in page and 'data-mode="one_per_page"' in page
    assert _save(client, aid, lt, 1, right, 2, kind).status_code == 200


def test_case_study_unfolds_only_as_reached_and_locks(client, platform, app):
    aid, lt, size = _setup(client, platform, app)
    start = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)  # counted without loading the items
    assert f"<dd>{size}, including 1 case study</dd>" in start
    client.post(f"/attempt/{aid}/start", data={"lt": lt})
    with app.app_context():
        a = db.session.get(Attempt, aid)
        items = [(i.position, i.bank_item.type, item_type(i.bank_item).correct_response(),
                  [p["text"] for p in i.bank_item.definition.get("unfold", [])], i.bank_item.definition["stem"])
                 for i in a.items]
    assert size == len(items) >= 3
    seq = 1
    for pos, kind, right, _, _ in items:
        page = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)
        for later_pos, _, _, unfold, stem in items[pos:]:
            assert stem[:50] not in page, f"question {later_pos} sent while the student is at {pos}"
            for text in unfold:
                assert text[:50] not in page, f"question {later_pos}'s unfold sent while the student is at {pos}"
        if pos < size:
            # A crafted save to the next, unreached, question is refused.
            nxt = items[pos]
            assert _save(client, aid, lt, nxt[0], nxt[2], 10_000, nxt[1]).status_code == 423
        assert _save(client, aid, lt, pos, right, seq, kind).status_code == 200
        seq += 1
        if pos == size:
            break
        resp = client.post(f"/attempt/{aid}/lock", data={"lt": lt, "lock": str(pos)})
        assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#question-{pos + 1}")
        # The locked answer cannot be changed, whatever the request says.
        wrong = None if kind != "multiple_choice" else "zzz"
        resp = _save(client, aid, lt, pos, wrong, 99_999, kind)
        assert resp.status_code in (400, 423)
        resp = _save(client, aid, lt, pos, right, 99_999, kind)
        assert resp.status_code == 423 and "locked" in resp.get_json()["error"]
    # The last part stays open until submit; its unfold is on the page now.
    page = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)
    for text in items[-1][3]:
        assert text[:50] in page
    assert client.post(f"/attempt/{aid}/lock", data={"lt": lt, "lock": str(size)}).status_code == 409
    # Submit posts every field on the page; locked answers are not touched by it, even when a
    # crafted form (as from a page without JavaScript, fresh=all) gives them other answers.
    with app.app_context():
        other = {i.position: next(o["id"] for o in i.bank_item.definition["options"] if o["id"] != i.bank_item.definition["key"])
                 for i in db.session.get(Attempt, aid).items if i.bank_item.type == "multiple_choice" and i.position < size}
    assert other, "the case should have a locked multiple-choice part"
    crafted = [("lt", lt), ("has_answers", "1"), ("fresh", "all")] + [(f"q{p}", o) for p, o in other.items()]
    for p in other:  # a lock post with the same form changes nothing either
        assert client.post(f"/attempt/{aid}/lock", data=MultiDict(crafted + [("lock", str(p))])).status_code == 303
    client.post(f"/attempt/{aid}/submit", data=MultiDict(crafted))
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert a.state == "graded" and a.points == a.max_points


def test_the_submit_form_wins_only_where_the_page_says_its_answer_is_newer(client, platform, app):
    """The submit form carries every answer on the page. A page without JavaScript (fresh=all) has
    no autosave, so its answers are the newest; a JavaScript page names the questions whose
    autosave had not got through; any other answer on a form (a stale second tab) does not
    overwrite an autosaved one."""
    _setup(client, platform, app, case=False,
           blueprint={"name": "Three", "sections": [{"filter": {"type": "multiple_choice"}, "count": 3}]})
    for n, (fresh, expect) in enumerate((("", "key"), ("all", "other"), (None, "other"), ("{pos}", "other"))):
        resp, _, _ = platform.launch(client, sub=f"fresh-{n}")
        loc = resp.headers["Location"]
        aid, lt = int(re.search(r"/attempt/(\d+)", loc).group(1)), _token(loc)
        client.post(f"/attempt/{aid}/start", data={"lt": lt})
        with app.app_context():
            item = next(i for i in db.session.get(Attempt, aid).items if i.bank_item.type == "multiple_choice")
            pos, key = item.position, item.bank_item.definition["key"]
            other = next(o["id"] for o in item.bank_item.definition["options"] if o["id"] != key)
        assert _save(client, aid, lt, pos, key, 5, "multiple_choice").status_code == 200
        form = [("lt", lt), ("has_answers", "1"), (f"q{pos}", other)]
        if fresh is not None:  # None: a form from before this field (treated as a page without JavaScript)
            form.append(("fresh", fresh.format(pos=pos)))
        assert client.post(f"/attempt/{aid}/submit", data=MultiDict(form)).status_code == 303
        with app.app_context():
            a = db.session.get(Attempt, aid)
            assert a.state == "graded"
            assert next(i for i in a.items if i.position == pos).response == (key if expect == "key" else other), fresh


def test_flags_are_kept_on_the_server(client, platform, app):
    aid, lt, _ = _setup(client, platform, app, case=False)
    client.post(f"/attempt/{aid}/start", data={"lt": lt})
    h = {"X-Launch-Token": lt, "Accept": "application/json"}
    assert client.post(f"/attempt/{aid}/flag", data={"position": "2", "flagged": "1"}, headers=h).status_code == 200
    page = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)
    assert re.search(r'class="nav-q [^"]*nav-flagged[^"]*"[^>]*data-position="2"', page)
    assert client.post(f"/attempt/{aid}/flag", data={"position": "99", "flagged": "1"}, headers=h).status_code == 404
    assert client.post(f"/attempt/{aid}/flag", data={"position": "2", "flagged": "1"}).status_code == 401


def test_extending_time_needs_an_accommodation(client, platform, app):
    aid, lt, _ = _setup(client, platform, app, case=False, time_limit_minutes=10)
    client.post(f"/attempt/{aid}/start", data={"lt": lt})
    h = {"X-Launch-Token": lt, "Accept": "application/json"}
    assert client.post(f"/attempt/{aid}/extend", headers=h).status_code == 403
    from lti_tool.services import assignments
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assignments.set_accommodation(a.assignment.resource_link.context_id, a.user_id, 1.5, 0)
        before = db.session.get(Attempt, aid).deadline_at
    resp = client.post(f"/attempt/{aid}/extend", headers=h)
    assert resp.status_code == 200
    with app.app_context():
        assert (db.session.get(Attempt, aid).deadline_at - before).total_seconds() == 10 * 60
