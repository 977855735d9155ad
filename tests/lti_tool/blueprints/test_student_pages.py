"""The student's pages through the test client: feedback policy, review by topic and technique, keys hidden."""
import re

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.services import attempts
from lti_tool.services.bank_store import item_type
from question_bank.vocabulary import TECHNIQUES


def _launch(client, platform, start=True, **kw):
    """Launch as a student and press Start (unless start=False)."""
    resp, _, _ = platform.launch(client, **kw)
    loc = resp.headers["Location"]
    aid, lt = int(re.search(r"/attempt/(\d+)", loc).group(1)), loc.split("lt=")[1]
    if start:
        assert client.post(f"/attempt/{aid}/start", data={"lt": lt}).status_code == 303
    return aid, lt


def _set(app, aid, **fields):
    with app.app_context():
        a = db.session.get(Attempt, aid)
        for k, v in fields.items():
            setattr(a.assignment, k, v)
        db.session.commit()


def _choose_distractors(app, aid):
    """Answer every multiple-choice item with a non-therapeutic distractor; return what was chosen."""
    chosen = []
    with app.app_context():
        a = db.session.get(Attempt, aid)
        for item in a.items:
            d = item.bank_item.definition
            if item.bank_item.type != "multiple_choice":
                continue
            bad = next((o for o in d["options"] if o["id"] != d["key"]
                        and not TECHNIQUES.get(o["technique"], {}).get("therapeutic", True)), None)
            if bad:
                attempts.save_response(a, item.position, 1, bad["id"])
                chosen.append(bad["technique"])
    return chosen


def test_review_shows_rationales_topics_and_techniques(client, platform, app):
    aid, lt = _launch(client, platform)
    chosen = _choose_distractors(app, aid)
    assert chosen, "the draw had no multiple-choice item with a non-therapeutic distractor"
    resp = client.post(f"/attempt/{aid}/submit", data={"lt": lt})
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "By topic" in page and "Communication patterns in your answers" in page
    label = TECHNIQUES[chosen[0]]["label"].lower()
    assert f"show <strong>{label}</strong> in" in page
    assert re.search(r'<a href="#rq-\d+">question \d+</a>', page)  # links to the questions concerned
    with app.app_context():
        a = db.session.get(Attempt, aid)
        rationale = a.items[0].bank_item.definition.get("options", [{}])[0].get("rationale")
    if rationale:
        assert rationale.split()[0] in page


def test_attempt_page_carries_no_keys_or_rationales(client, platform, app):
    aid, lt = _launch(client, platform)
    page = client.get(f"/attempt/{aid}?lt={lt}").get_data(as_text=True)
    with app.app_context():
        a = db.session.get(Attempt, aid)
        for item in a.items:
            d = item.bank_item.definition
            for opt in d.get("options", []):
                assert opt["rationale"][:60] not in page
            assert '"key"' not in page and "is_key" not in page


def test_feedback_never_hides_rationales(client, platform, app):
    aid, lt = _launch(client, platform)
    _set(app, aid, feedback_policy="never")
    resp = client.post(f"/attempt/{aid}/submit", data={"lt": lt})
    page = " ".join(client.get(resp.headers["Location"]).get_data(as_text=True).split())
    assert "Your score" in page and "are not shown" in page and "Question by question" not in page


def test_feedback_after_due_date(client, platform, app):
    from datetime import timedelta

    from lti_tool.models.base import utcnow
    aid, lt = _launch(client, platform)
    _set(app, aid, feedback_policy="after_due", due_at=utcnow() + timedelta(days=1))
    resp = client.post(f"/attempt/{aid}/submit", data={"lt": lt})
    page = " ".join(client.get(resp.headers["Location"]).get_data(as_text=True).split())
    assert "shown after the due date" in page and "Question by question" not in page
    _set(app, aid, due_at=utcnow() - timedelta(minutes=1))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Question by question" in page


def test_canvas_due_date_from_custom_parameter_reaches_the_attempt(client, platform, app):
    aid, _ = _launch(client, platform, claims_overrides={
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"due_at": "2031-05-01T05:59:59Z"}})
    with app.app_context():
        assert db.session.get(Attempt, aid).due_at.isoformat().startswith("2031-05-01T05:59:59")


def test_save_endpoint_rejects_bad_input_clearly(client, platform, app):
    aid, lt = _launch(client, platform)
    h = {"X-Launch-Token": lt, "Accept": "application/json"}
    assert client.post(f"/attempt/{aid}/save", data={"position": "x"}, headers=h).status_code == 400
    assert client.post(f"/attempt/{aid}/save", data={"position": "99", "seq": "1"}, headers=h).status_code == 404
    assert client.post(f"/attempt/{aid}/save", data={"position": "1", "seq": "1"}, headers={}).status_code == 401
    with app.app_context():
        a = db.session.get(Attempt, aid)
        first = a.items[0]
        right = item_type(first.bank_item).correct_response()
    from tests.support.forms import form_fields
    from werkzeug.datastructures import MultiDict
    ok = client.post(f"/attempt/{aid}/save", headers=h, data=MultiDict(
        form_fields(first.bank_item.type, "q1", right) + [("position", "1"), ("seq", "3")]))
    assert ok.status_code == 200 and ok.get_json()["applied"] is True
    client.post(f"/attempt/{aid}/submit", data={"lt": lt})
    late = client.post(f"/attempt/{aid}/save", headers=h, data={"position": "1", "seq": "4"})
    assert late.status_code == 409 and "already been submitted" in late.get_json()["error"]
