"""Adaptive practice through the Flask test client: an adaptive link, a student's launch, and a
session answered to its stopping rule (the key, or a given habit's option where one is offered)."""
import re

from werkzeug.datastructures import MultiDict

from lti_tool.extensions import db
from lti_tool.models import Attempt, ResourceLink
from lti_tool.models.base import utcnow
from lti_tool.services import adaptive, bank_store
from tests.support.forms import form_fields
from tests.support.platform import INSTRUCTOR


def adaptive_link(client, platform, app, link_id="link-1", **settings):
    """An instructor launch creates the link's assignment; make it adaptive."""
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,), link_id=link_id)
    assert resp.status_code == 303
    with app.app_context():
        link = db.session.execute(db.select(ResourceLink).filter_by(resource_link_id=link_id)).scalar_one()
        a = link.assignment
        a.mode, a.adaptive, a.configured_at = "adaptive", dict(adaptive.DEFAULTS, **settings), utcnow()
        db.session.commit()


def start(client, platform, sub="student-1", link_id="link-1"):
    resp, _, _ = platform.launch(client, sub=sub, link_id=link_id)
    loc = resp.headers["Location"]
    aid, lt = int(re.search(r"/attempt/(\d+)", loc).group(1)), loc.split("lt=")[1]
    page = client.get(loc)
    assert page.status_code == 303 and f"/practice/{aid}" in page.headers["Location"]
    return aid, lt


def current(app, aid):
    with app.app_context():
        a = db.session.get(Attempt, aid)
        item = adaptive.current_item(a)
        if item is None:
            return None
        t = bank_store.item_type(item.bank_item)
        return item.position, item.bank_item.type, item.bank_item.definition, t.correct_response()


def choose(kind, definition, key, habit=None):
    """The key, or (for a student with `habit`) the option carrying that habit where one is offered."""
    if habit and kind in ("multiple_choice", "select_all", "select_n"):
        bad = [o["id"] for o in definition["options"] if o.get("technique") == habit]
        if bad:
            return bad[0] if kind == "multiple_choice" else [bad[0]] + list(key)[:-1]
    return key


def run_session(client, app, aid, lt, habit=None, limit=120):
    """Answer until the session stops; return (pages seen, mastery page)."""
    seen = 0
    for _ in range(limit):
        now = current(app, aid)
        page = client.get(f"/practice/{aid}?lt={lt}")
        if now is None:
            assert page.status_code == 303 and "/mastery" in page.headers["Location"]
            return seen, client.get(page.headers["Location"]).get_data(as_text=True)
        position, kind, definition, key = now
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and f"Question {position}" in html
        # One question at a time, and nothing of its key or rationales on the page.
        assert html.count('<section class="question') == 1
        rationales = re.findall(r"'rationale': '([^'&<>\"]{30,})'", repr(definition))
        assert not [r for r in rationales if r in html], "a rationale is on the page before the answer"
        data = [("lt", lt), ("position", str(position))] + form_fields(kind, f"q{position}", choose(kind, definition, key, habit))
        resp = client.post(f"/practice/{aid}/answer", data=MultiDict(data))
        assert resp.status_code == 303, resp.get_data(as_text=True)
        seen += 1
    raise AssertionError("the session never stopped")


def habit_mix(app, technique, each=8):
    """Make the adaptive link's sessions half items that offer `technique` where a simulated
    student can pick it (single-choice, select-all, select-N): those items move to a collection of
    their own, and the question set asks for `each` from it and `each` from anywhere. So a
    student given that habit meets it in every session, however few items the bank tags."""
    from lti_tool.models import Assignment, BankItem
    from question_bank.habits import items_with_habit
    with app.app_context():
        items, _ = bank_store.drawable(None)
        offering = {i.id for i in items_with_habit(items, technique)
                    if i.type in ("multiple_choice", "select_all", "select_n") and not i.case_study}
        for row in db.session.execute(db.select(BankItem).where(BankItem.item_id.in_(offering),
                                                                BankItem.current.is_(True))).scalars():
            row.collection = "habit-test"
        bank_store._pool_cache.clear()  # rows are never edited in the app, so its cache would not notice
        a = db.session.execute(db.select(Assignment).where(Assignment.mode == "adaptive")).scalars().first()
        a.blueprint = {"name": "habit mix", "collections": None,
                       "sections": [{"filter": {"collection": "habit-test"}, "count": each}, {"filter": {}, "count": each}]}
        db.session.commit()
    return offering
