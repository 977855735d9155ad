"""Grade sync against a platform double that, like Moodle, refuses a score whose timestamp is not
later (to the second) than the stored one: the gradebook must end at the grading method's
score through outages, crashes and retries."""
from datetime import timedelta

import pytest

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import Attempt, GradeSync, Platform
from lti_tool.models.base import utcnow
from lti_tool.services import grade_sync
from tests.support.grades import (age_failures, answer_and_submit, expected_score, expire_claims, first_launch,
                                  make_due, next_attempt, sync_row)


def gradebook(platform, sub="student-1"):
    return platform.gradebook[("7", sub)]["score"]["scoreGiven"]


def test_score_is_posted_with_the_ags_fields(client, platform, app):
    aid = first_launch(client, platform, app)
    answer_and_submit(app, aid, 5)
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        expected_given = round(attempt.points / attempt.max_points * 10, 4)
        submitted = attempt.submitted_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        assert worker.run_once() == 1
    sent = platform.scores[0]
    assert sent["content_type"] == "application/vnd.ims.lis.v1.score+json"
    assert sent["auth"].startswith("Bearer tok-")
    body = sent["body"]
    assert body["userId"] == "student-1"
    assert body["scoreGiven"] == expected_given and body["scoreMaximum"] == 10.0
    assert body["activityProgress"] == "Completed" and body["gradingProgress"] == "FullyGraded"
    # the timestamp is the submission's, not the clock's
    assert body["timestamp"] == submitted and body["submission"]["submittedAt"] == submitted
    row = sync_row(app)
    assert row.status == "delivered" and row.delivered_score == expected_given
    req = platform.token_requests[-1]
    assert req["grant_type"] == "client_credentials" and "scope/score" in req["scope"]


def test_one_row_per_student_and_link_however_many_submits(client, platform, app):
    a1 = first_launch(client, platform, app)
    answer_and_submit(app, a1, 2)
    answer_and_submit(app, next_attempt(app, a1), 4)
    with app.app_context():
        rows = db.session.execute(db.select(GradeSync)).scalars().all()
        assert len(rows) == 1 and rows[0].requested_seq == 2
        assert worker.run_once() == 1
    assert len(platform.accepted) == 1 and gradebook(platform) == expected_score(app)


@pytest.mark.parametrize("method", ["highest", "latest", "first", "average"])
def test_older_attempt_failing_until_newer_is_delivered_ends_right(client, platform, app, method):
    """Attempt A's delivery fails (LMS down) until after attempt B is submitted: the gradebook
    ends at the grading method's score, and nothing older is accepted after something newer."""
    a = first_launch(client, platform, app, grading_method=method)
    platform.down = True
    answer_and_submit(app, a, 7)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "failed"
    b = next_attempt(app, a)
    answer_and_submit(app, b, 3)
    platform.down = False
    make_due(app)
    with app.app_context():
        worker.run_once()
        worker.run_once()
    assert gradebook(platform) == expected_score(app)
    assert len(platform.accepted) == 1  # one post of the current state, not A then B
    assert sync_row(app).status == "delivered"


def test_worker_dies_after_the_platform_stored_a_score_then_a_newer_attempt(client, platform, app, monkeypatch):
    """The platform stored attempt A's score but the worker died before recording it. After a
    newer attempt B, the gradebook ends at the right score, and A is never sent again."""
    a = first_launch(client, platform, app, grading_method="latest")
    answer_and_submit(app, a, 8)

    class Died(BaseException):
        pass

    real_finish = worker._finish

    def die(*args, **kw):
        raise Died()
    monkeypatch.setattr(worker, "_finish", die)
    with app.app_context(), pytest.raises(Died):
        worker.run_once()
    monkeypatch.setattr(worker, "_finish", real_finish)
    assert len(platform.accepted) == 1  # the platform has A
    b = next_attempt(app, a)
    answer_and_submit(app, b, 2)
    with app.app_context():
        assert worker.run_once() == 0  # the dead worker's claim still holds
    expire_claims(app)
    with app.app_context():
        worker.run_once()
    assert gradebook(platform) == expected_score(app)
    stamps = [s["timestamp"] for s in platform.accepted]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert sync_row(app).status == "delivered"


def test_crash_with_no_newer_attempt_resends_same_state_and_platform_says_it_has_it(client, platform, app, monkeypatch):
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 6)
    monkeypatch.setattr(worker, "_finish", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with app.app_context(), pytest.raises(KeyboardInterrupt):
        worker.run_once()
    monkeypatch.undo()
    expire_claims(app)
    with app.app_context():
        worker.run_once()
    # same state, same timestamp: the platform refuses it (409) and Rapport understands why
    assert [s["status"] for s in platform.scores] == [200, 409]
    row = sync_row(app)
    assert row.status == "delivered" and "already held" in row.last_error
    assert gradebook(platform) == expected_score(app)


def test_send_again_after_a_newer_delivery_keeps_the_gradebook_right(client, platform, app):
    a = first_launch(client, platform, app, grading_method="latest")
    platform.score_status = [400, 200]  # A refused once
    answer_and_submit(app, a, 9)
    with app.app_context():
        worker.run_once()
    b = next_attempt(app, a)
    answer_and_submit(app, b, 1)
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert gradebook(platform) == expected_score(app)
    with app.app_context():
        grade_sync.send_again(db.session.get(GradeSync, sync_row(app).id))
        worker.run_once()
    assert gradebook(platform) == expected_score(app)
    stamps = [s["timestamp"] for s in platform.accepted]
    assert stamps == sorted(stamps)


def test_four_minute_outage_heals_with_no_one_pressing_anything(client, platform, app):
    a = first_launch(client, platform, app)
    platform.down = True
    answer_and_submit(app, a, 5)
    elapsed = timedelta()
    with app.app_context():
        while elapsed < timedelta(minutes=4):
            make_due(app)
            worker.run_once()
            row = db.session.execute(db.select(GradeSync)).scalar_one()
            assert row.status == "failed", row.last_error
            gap = row.next_try_at - utcnow()
            # never further apart than the cap, so the score arrives soon after the LMS returns
            assert gap <= timedelta(seconds=app.config["GRADE_RETRY_MAX_INTERVAL"] * 1.5 + 1)
            elapsed += max(gap, timedelta(seconds=1))
            age_failures(app, max(gap, timedelta(seconds=1)))
    row = sync_row(app)
    assert row.last_error == "score: 502 BAD GATEWAY – 502 Bad Gateway" or row.last_error.startswith("token request: 502")
    assert "<" not in row.last_error
    platform.down = False
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "delivered" and gradebook(platform) == expected_score(app)


def test_token_endpoint_404_for_two_minutes_heals_by_itself(client, platform, app):
    a = first_launch(client, platform, app)
    platform.token_status = 404
    answer_and_submit(app, a, 5)
    with app.app_context():
        for _ in range(4):
            make_due(app)
            worker.run_once()
    row = sync_row(app)
    assert row.status == "failed" and row.last_error.startswith("token request: 404")
    assert "<" not in row.last_error and "client ID" in row.last_fix
    platform.token_status = None
    age_failures(app, timedelta(minutes=2))
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "delivered"


def test_a_bare_400_is_retried_not_dead_lettered(client, platform, app):
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 5)

    platform.score_status = [400]  # a bare 400 with "[]"
    with app.app_context():
        worker.run_once()
    row = sync_row(app)
    # a bare 400 with "[]" is not known to be about the user: retried, not dead
    assert row.status == "failed"


def test_moodle_incorrect_score_for_a_teacher_is_dead_at_once():
    from lti_tool.lti.platform_errors import NOT_GRADABLE, describe_http
    err = describe_http("score", "http://moodle.test/mod/lti/services.php/2/lineitems/2/lineitem/scores?type_id=1",
                        400, 'Incorrect score received{"userId": "3", "scoreGiven": 7}', "application/json", "[]")
    assert err.kind == NOT_GRADABLE and "cannot be graded" in err.fix


def test_retry_horizon_dead_letters_only_after_it(client, platform, app):
    a = first_launch(client, platform, app)
    platform.down = True
    answer_and_submit(app, a, 5)
    with app.app_context():
        worker.run_once()
    age_failures(app, timedelta(hours=71))
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "failed"
    age_failures(app, timedelta(hours=2))
    make_due(app)
    with app.app_context():
        worker.run_once()
    row = sync_row(app)
    assert row.status == "dead" and row.last_error.startswith("gave up after 3 tries over 73.0 hours")
    # a person presses "send again" once the LMS is back: it goes, with the current score
    platform.down = False
    with app.app_context():
        grade_sync.send_again(db.session.get(GradeSync, row.id))
        worker.run_once()
    assert sync_row(app).status == "delivered" and gradebook(platform) == expected_score(app)


def test_server_error_backs_off_and_honours_retry_after(client, platform, app):
    platform.score_status = [503, 200]
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 5)
    with app.app_context():
        worker.run_once()
        row = db.session.execute(db.select(GradeSync)).scalar_one()
        assert row.status == "failed" and row.tries == 1
        assert row.next_try_at >= utcnow() + timedelta(seconds=0.5)
        assert worker.run_once() == 0  # not due yet
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "delivered"


def test_backoff_is_capped_with_jitter_and_honours_retry_after():
    cap = 600.0
    delays = [worker.backoff(n, None, cap).total_seconds() for n in range(1, 40)]
    assert delays[0] <= 3 and max(delays) <= cap * 1.5
    assert worker.backoff(1, 120, cap).total_seconds() >= 120


def test_regrade_after_grading_method_change_moves_the_gradebook(client, platform, app):
    from lti_tool.services import assignments
    a = first_launch(client, platform, app, grading_method="highest")
    answer_and_submit(app, a, 9)
    answer_and_submit(app, next_attempt(app, a), 1)
    with app.app_context():
        worker.run_once()
    high = gradebook(platform)
    with app.app_context():
        assignment = db.session.get(Attempt, a).assignment
        assignments.update_settings(assignment, assignments.Settings(
            "quick-check", 0, "latest", assignment.feedback_policy, 10.0, None))
        worker.run_once()
    assert gradebook(platform) == expected_score(app) < high


def test_previews_and_links_without_the_grade_service_queue_nothing(client, platform, app):
    resp, _, _ = platform.launch(client, sub="student-2", lineitem=False, link_id="link-no-ags")
    assert resp.status_code == 303
    with app.app_context():
        aid = db.session.execute(db.select(Attempt).order_by(Attempt.id.desc())).scalars().first().id
    answer_and_submit(app, aid, 3)
    with app.app_context():
        assert db.session.execute(db.select(GradeSync)).first() is None
        link = db.session.get(Attempt, aid).assignment.resource_link
        assert grade_sync.sync_status(link, db.session.get(Attempt, aid).user_id).state == "no_service"


def test_a_new_token_is_fetched_after_a_401(client, platform, app):
    platform.score_status = [401, 200]
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 5)
    with app.app_context():
        worker.run_once()
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "delivered"
    assert len(platform.token_requests) == 2


def test_a_wrong_token_url_heals_once_an_admin_fixes_it(client, platform, app):
    """A wrong token URL (nothing listens) is retried, and heals once an admin fixes it."""
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 5)
    with app.app_context():
        p = db.session.execute(db.select(Platform)).scalar_one()
        good, p.auth_token_url = p.auth_token_url, "http://127.0.0.1:9/token"
        db.session.commit()
        worker.run_once()
        row = db.session.execute(db.select(GradeSync)).scalar_one()
        assert row.status == "failed" and row.last_error == "network: could not connect (127.0.0.1:9)"
        p.auth_token_url = good
        db.session.commit()
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "delivered"


def _container_only_launch(client, platform, app, sub):
    resp, _, _ = platform.launch(client, sub=sub, lineitem=False, claims_overrides=platform.container_only_ags())
    assert resp.status_code == 303
    with app.app_context():
        return db.session.execute(db.select(Attempt).order_by(Attempt.id.desc())).scalars().first().id


def test_no_lineitem_claim_creates_the_line_item_once(client, platform, app):
    platform.lineitems = [{"id": platform.lineitem(str(n)), "label": f"Other {n}", "resourceLinkId": f"other-{n}",
                           "scoreMaximum": 5} for n in range(3)]  # two pages of someone else's columns
    answer_and_submit(app, _container_only_launch(client, platform, app, "student-1"), 5)
    answer_and_submit(app, _container_only_launch(client, platform, app, "student-2"), 2)
    with app.app_context():
        worker.run_once()
    assert len(platform.lineitem_posts) == 1
    created = platform.lineitem_posts[0]
    assert created["resourceLinkId"] == "link-1" and created["scoreMaximum"] == 10 and created["tag"] == "rapport"
    lid = platform.lineitems[-1]["id"].split("/lineitems/")[1].split("/")[0]
    assert {u for (li, u) in platform.gradebook if li == lid} == {"student-1", "student-2"}
    with app.app_context():
        from lti_tool.models import ResourceLink
        assert db.session.execute(db.select(ResourceLink)).scalar_one().lineitem_url == platform.lineitems[-1]["id"]


def test_no_lineitem_claim_finds_an_existing_line_item_on_a_later_page(client, platform, app):
    platform.lineitems = [{"id": platform.lineitem(str(n)), "label": f"Other {n}", "resourceLinkId": f"other-{n}",
                           "scoreMaximum": 5} for n in range(3)]
    platform.lineitems.append({"id": platform.lineitem("55"), "label": "Alliance quiz", "resourceLinkId": "link-1",
                               "scoreMaximum": 10})
    answer_and_submit(app, _container_only_launch(client, platform, app, "student-1"), 5)
    with app.app_context():
        worker.run_once()
    assert platform.lineitem_posts == [] and ("55", "student-1") in platform.gradebook


def test_line_item_container_down_is_retried_readably(client, platform, app):
    platform.down = True
    answer_and_submit(app, _container_only_launch(client, platform, app, "student-1"), 5)
    with app.app_context():
        worker.run_once()
    row = sync_row(app)
    assert row.status == "failed" and row.lineitem_url is None and "<" not in row.last_error
    platform.down = False
    make_due(app)
    with app.app_context():
        worker.run_once()
    assert sync_row(app).status == "delivered" and len(platform.lineitem_posts) == 1
