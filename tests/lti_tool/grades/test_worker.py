"""Grade delivery: what Rapport sends, and what it does when the LMS says no or is down."""
from datetime import timedelta

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import Attempt, GradeDelivery, Platform
from lti_tool.models.base import utcnow
from lti_tool.services import attempts


def _graded_attempt(client, platform, app, sub="student-1"):
    resp, _, _ = platform.launch(client, sub=sub)
    assert resp.status_code == 303
    with app.app_context():
        aid = db.session.execute(db.select(Attempt).order_by(Attempt.id.desc())).scalars().first().id
        attempt = db.session.get(Attempt, aid)
        from lti_tool.services.bank_store import item_type
        for item in attempt.items[:5]:
            attempts.save_response(attempt, item.position, 1, item_type(item.bank_item).correct_response())
        attempts.submit(aid)
        return aid


def _row(app, aid):
    with app.app_context():
        return db.session.execute(db.select(GradeDelivery).filter_by(attempt_id=aid)).scalar_one()


def _make_due(app):
    with app.app_context():
        for r in db.session.execute(db.select(GradeDelivery)).scalars():
            r.next_try_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def test_score_is_posted_with_the_ags_fields(client, platform, app):
    aid = _graded_attempt(client, platform, app)
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        expected_given = round(attempt.points / attempt.max_points * 10, 4)
        assert worker.run_once() == 1
    assert len(platform.scores) == 1
    sent = platform.scores[0]
    assert sent["content_type"] == "application/vnd.ims.lis.v1.score+json"
    assert sent["auth"].startswith("Bearer tok-")
    body = sent["body"]
    assert body["userId"] == "student-1"
    assert body["scoreGiven"] == expected_given and body["scoreMaximum"] == 10.0
    assert body["activityProgress"] == "Completed" and body["gradingProgress"] == "FullyGraded"
    assert body["timestamp"].endswith("Z") and body["submission"]["submittedAt"]
    assert _row(app, aid).status == "delivered"
    # the token request was a signed client assertion for the score scope
    req = platform.token_requests[-1]
    assert req["grant_type"] == "client_credentials" and "scope/score" in req["scope"]


def test_409_same_second_is_retried_with_a_later_timestamp(client, platform, app):
    platform.score_status = [409, 200]
    aid = _graded_attempt(client, platform, app)
    with app.app_context():
        worker.run_once()
        assert _row(app, aid).status == "failed"
        _make_due(app)
        worker.run_once()
    assert _row(app, aid).status == "delivered"
    t1, t2 = (s["body"]["timestamp"] for s in platform.scores)
    assert t2 > t1


def test_permanent_4xx_is_dead_lettered_and_can_be_retried(client, platform, app):
    platform.score_status = [400, 200]
    aid = _graded_attempt(client, platform, app)
    with app.app_context():
        worker.run_once()
        row = _row(app, aid)
        assert row.status == "dead" and "permanent" in row.last_error and row.last_status == 400
        worker.retry(row.id)
        worker.run_once()
    assert _row(app, aid).status == "delivered"


def test_server_error_backs_off_and_honours_retry_after(client, platform, app):
    platform.score_status = [503, 200]
    aid = _graded_attempt(client, platform, app)
    with app.app_context():
        worker.run_once()
        row = _row(app, aid)
        assert row.status == "failed" and row.tries == 1
        assert row.next_try_at >= utcnow() + timedelta(seconds=0.5)
        assert worker.run_once() == 0  # not due yet
        _make_due(app)
        worker.run_once()
    assert _row(app, aid).status == "delivered"


def test_lms_down_keeps_the_grade_and_dead_letters_after_max_tries(client, platform, app):
    aid = _graded_attempt(client, platform, app)
    with app.app_context():
        p = db.session.execute(db.select(Platform)).scalar_one()
        p.auth_token_url = "http://127.0.0.1:9/token"  # nothing listens there
        db.session.commit()
        from lti_tool.lti.ags import TenantServiceConnector
        TenantServiceConnector.forget()
        for _ in range(3):
            _make_due(app)
            worker.run_once(max_tries=3)
        row = _row(app, aid)
        assert row.status == "dead" and row.tries == 3 and "gave up" in row.last_error
        assert db.session.get(Attempt, aid).state == "graded"


def test_timestamps_increase_per_user_and_lineitem(client, platform, app):
    with app.app_context():
        from lti_tool.models import Assignment
    aid1 = _graded_attempt(client, platform, app)
    with app.app_context():
        worker.run_once()
        a = db.session.get(Attempt, aid1)
        a.assignment.attempts_allowed = 0
        db.session.commit()
    # a second attempt in the same second must still get a later timestamp
    with app.app_context():
        from lti_tool.services.launches import LaunchContext
        from lti_tool.models import Context
        a = db.session.get(Attempt, aid1)
        lc = LaunchContext(a.user, db.session.get(Context, a.assignment.resource_link.context_id),
                           a.assignment.resource_link, a.assignment, False, False)
        nxt = attempts.start_or_resume(lc, "s", new=True)
        attempts.submit(nxt.id)
        worker.run_once()
    t1, t2 = (s["body"]["timestamp"] for s in platform.scores)
    assert t2 > t1
