"""Settings do what the page says: a grading change regrades and redelivers after a confirmation
that counts the students; a question-set change applies to later attempts and says so; the
question set shown is the one used; a preview always uses the current settings."""
import re
from urllib.parse import parse_qs, urlparse

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import Assignment, Attempt, GradeSync
from tests.support.grades import answer_and_submit, expected_score, next_attempt
from tests.support.platform import INSTRUCTOR

SETTINGS = {"title": "Alliance quiz", "blueprint_key": "quick-check", "attempts_allowed": "0",
            "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": "10",
            "time_limit_minutes": "", "shuffle_options": "y", "action": "save"}


def _token(location):
    return parse_qs(urlparse(location).query)["lt"][0]


def _teacher(client, platform):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    return _token(resp.headers["Location"])


def _student_attempt(client, platform, app, sub):
    resp, _, _ = platform.launch(client, sub=sub)
    assert resp.status_code == 303
    return int(re.search(r"/attempt/(\d+)", resp.headers["Location"]).group(1))


def _gradebook(platform, sub):
    return platform.gradebook[("7", sub)]["score"]["scoreGiven"]


def test_grading_method_change_confirms_then_regrades_and_redelivers(client, platform, app):
    lt = _teacher(client, platform)
    assert client.post("/instructor/settings", data=dict(SETTINGS, lt=lt)).status_code == 303
    for sub, (first, second) in {"s1": (9, 2), "s2": (3, 8)}.items():
        a = _student_attempt(client, platform, app, sub)
        answer_and_submit(app, a, first)
        answer_and_submit(app, next_attempt(app, a), second)
    with app.app_context():
        worker.run_once()
    before = {s: _gradebook(platform, s) for s in ("s1", "s2")}
    assert before == {s: expected_score(app, s) for s in ("s1", "s2")}

    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, grading_method="latest"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Confirm the change" in body and "<strong>2 students</strong>" in body
    with app.app_context():  # nothing changed before the confirmation
        assert db.session.execute(db.select(Assignment)).scalar_one().grading_method == "highest"

    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, grading_method="latest", confirm="1"))
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "2 students’ gradebook scores were recomputed" in page
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(GradeSync.id)).where(GradeSync.status == "pending")).scalar() == 2
        worker.run_once()
    after = {s: _gradebook(platform, s) for s in ("s1", "s2")}
    assert after == {s: expected_score(app, s) for s in ("s1", "s2")}
    assert after["s1"] < before["s1"] and after["s2"] == before["s2"]  # s1's latest was the weaker attempt


def test_points_change_rescales_every_gradebook_score(client, platform, app):
    lt = _teacher(client, platform)
    client.post("/instructor/settings", data=dict(SETTINGS, lt=lt))
    answer_and_submit(app, _student_attempt(client, platform, app, "s1"), 5)
    with app.app_context():
        worker.run_once()
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, points_possible="40", confirm="1"))
    assert resp.status_code == 303
    with app.app_context():
        worker.run_once()
    assert platform.gradebook[("7", "s1")]["score"]["scoreMaximum"] == 40


def test_question_set_change_applies_to_later_attempts_and_says_so(client, platform, app):
    lt = _teacher(client, platform)
    client.post("/instructor/settings", data=dict(SETTINGS, lt=lt))
    open_attempt = _student_attempt(client, platform, app, "s1")
    with app.app_context():
        before = [i.bank_item_id for i in db.session.get(Attempt, open_attempt).items]
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, blueprint_key="alliance-practice"))
    body = resp.get_data(as_text=True)
    assert "applies to attempts started from now" in body and "<strong>1 attempt in progress</strong>" in body
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, blueprint_key="alliance-practice", confirm="1"))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "applies to attempts started from now; 1 attempt already in progress keep" in page
    # The settings page now shows the set in use, selected.
    assert re.search(r'<option selected value="alliance-practice">', page)
    with app.app_context():
        assert [i.bank_item_id for i in db.session.get(Attempt, open_attempt).items] == before
    answer_and_submit(app, open_attempt, 3)
    with app.app_context():
        later = db.session.get(Attempt, next_attempt(app, open_attempt))
        assert len(later.items) == 25


def test_feedback_after_due_date_without_one_is_refused_in_words(client, platform, app):
    lt = _teacher(client, platform)
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, feedback_policy="after_due"))
    assert resp.status_code == 400 and "need a due date" in resp.get_data(as_text=True)
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, feedback_policy="after_due",
                                                         due_at="2027-02-01T17:00"))
    assert resp.status_code == 303


def test_due_date_sent_by_the_lms_satisfies_after_the_due_date(client, platform, app):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,),
                                 claims_overrides={"https://purl.imsglobal.org/spec/lti/claim/custom":
                                                   {"due_at": "2027-03-01T12:00:00Z"}})
    lt = _token(resp.headers["Location"])
    assert client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, feedback_policy="after_due")).status_code == 303


def test_preview_always_uses_the_current_settings(client, platform, app):
    lt = _teacher(client, platform)
    client.post("/instructor/settings", data=dict(SETTINGS, lt=lt))
    first = client.post("/instructor/preview", data={"lt": lt})
    first_id = int(re.search(r"/attempt/(\d+)", first.headers["Location"]).group(1))
    client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, blueprint_key="alliance-practice", confirm="1"))
    second = client.post("/instructor/preview", data={"lt": lt})
    second_id = int(re.search(r"/attempt/(\d+)", second.headers["Location"]).group(1))
    with app.app_context():
        # The old preview is gone, not resumed: one preview, drawn from the new set.
        assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar() == 1 and first_id
        attempt = db.session.get(Attempt, second_id)
        assert len(attempt.items) == 25 and attempt.number == 1 and attempt.is_preview


def test_shuffle_off_keeps_options_as_written_but_never_an_ordered_responses_key(client, platform, app):
    lt = _teacher(client, platform)
    sections = {"blueprint_key": "custom", "sections-0-type": "multiple_choice", "sections-0-count": "4",
                "sections-1-type": "ordered_response", "sections-1-count": "2"}
    data = {k: v for k, v in dict(SETTINGS, lt=lt, **sections).items() if k != "shuffle_options"}  # box unticked
    assert client.post("/instructor/settings", data=data).status_code == 303
    aid = _student_attempt(client, platform, app, "s1")
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().shuffle_options is False
        for item in db.session.get(Attempt, aid).items:
            d = item.bank_item.definition
            written = [o["id"] for o in (d.get("options") or d.get("items") or [])]
            if item.bank_item.type == "multiple_choice":
                assert item.presentation["order"] == written
            else:
                assert item.presentation["order"] != list(d["key"])


def test_delivery_mode_is_the_instructors_choice(client, platform, app):
    lt = _teacher(client, platform)
    page = client.get(f"/instructor/settings?lt={lt}").get_data(as_text=True)
    # Automatic until chosen: the model's None, shown as the first option, selected.
    assert re.search(r'<select[^>]*id="delivery"[^>]*>\s*<option selected value="">Automatic', page)
    timed = dict(SETTINGS, lt=lt, time_limit_minutes="30")
    assert client.post("/instructor/settings", data=dict(timed, delivery="all_on_one_page")).status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().delivery == "all_on_one_page"
    page = client.get(f"/instructor/settings?lt={lt}").get_data(as_text=True)
    assert '<option selected value="all_on_one_page">' in page

    # A timed set the instructor wants on one page is shown on one page.
    aid = _student_attempt(client, platform, app, "s1")
    resp, _, _ = platform.launch(client, sub="s1")
    slt = _token(resp.headers["Location"])
    client.post(f"/attempt/{aid}/start", data={"lt": slt})
    assert 'data-mode="all_on_one_page"' in client.get(f"/attempt/{aid}?lt={slt}").get_data(as_text=True)

    # Back to automatic: timed, so one per page (as the NCLEX), for the attempt in progress too.
    assert client.post("/instructor/settings", data=dict(timed, delivery="")).status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().delivery is None
    assert 'data-mode="one_per_page"' in client.get(f"/attempt/{aid}?lt={slt}").get_data(as_text=True)
    assert client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, delivery="one_per_page")).status_code == 303
    assert 'data-mode="one_per_page"' in client.get(f"/attempt/{aid}?lt={slt}").get_data(as_text=True)

    # Not a choice on the list: refused in words, nothing saved.
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, delivery="scroll"))
    assert resp.status_code == 400 and "How questions are shown: Not a valid choice" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().delivery == "one_per_page"
    # A student's token cannot change it.
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=slt, delivery="all_on_one_page"))
    assert resp.status_code == 403
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().delivery == "one_per_page"
