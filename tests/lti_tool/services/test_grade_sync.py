"""grade_sync: one row per student and link, what people are told, outages, reconcile."""
import re
from datetime import timedelta

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import Attempt, GradeSync, ResourceLink
from lti_tool.services import grade_sync
from tests.support.grades import answer_and_submit, expected_score, first_launch, make_due, next_attempt, sync_row


def _link(app):
    return db.session.execute(db.select(ResourceLink)).scalar_one()


def test_state_timestamps_strictly_increase_even_within_one_second(client, platform, app):
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 3)
    first = sync_row(app).state_at
    answer_and_submit(app, next_attempt(app, a), 4)  # the same second, most likely
    second = sync_row(app).state_at
    assert second >= first + timedelta(seconds=1) and second.microsecond == 0


def test_gradebook_score_follows_the_grading_method(client, platform, app):
    a = first_launch(client, platform, app, points_possible=100.0)
    f1 = answer_and_submit(app, a, 8)
    f2 = answer_and_submit(app, next_attempt(app, a), 2)
    with app.app_context():
        assignment = db.session.get(Attempt, a).assignment
        user_id = db.session.get(Attempt, a).user_id
        for method, want in (("highest", max(f1, f2)), ("latest", f2), ("first", f1), ("average", (f1 + f2) / 2)):
            assignment.grading_method = method
            score = grade_sync.gradebook_score(assignment, user_id)
            assert score.score_given == round(want * 100, 4) and score.score_maximum == 100.0


def test_status_lines_and_outage_summary(client, platform, app):
    a = first_launch(client, platform, app)
    first_launch(client, platform, app, sub="student-2")
    platform.down = True
    answer_and_submit(app, a, 5)
    with app.app_context():
        b = db.session.execute(db.select(Attempt).join(Attempt.user).where(Attempt.user.has(sub="student-2"))).scalar_one()
    answer_and_submit(app, b.id, 5)
    with app.app_context():
        assert grade_sync.sync_status(_link(app), db.session.get(Attempt, a).user_id).state == "waiting"
        worker.run_once()
        outages = grade_sync.outages()
        assert len(outages) == 1 and outages[0].waiting == 2
        assert "502" in outages[0].message and "<" not in outages[0].message
    platform.down = False
    make_due(app)
    with app.app_context():
        worker.run_once()
        st = grade_sync.sync_status(_link(app), db.session.get(Attempt, a).user_id)
        assert st.state == "delivered" and st.delivered_at is not None
        assert grade_sync.outages() == []


def test_reconcile_lists_differences_and_queues_corrections(client, platform, app):
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 6)
    with app.app_context():
        worker.run_once()
        report = grade_sync.reconcile(_link(app))
        assert report.error is None and report.checked == 1 and report.differences == []
    # someone changes the grade in the LMS (or a score went missing)
    key = ("7", "student-1")
    platform.gradebook[key]["score"] = dict(platform.gradebook[key]["score"], scoreGiven=1.0)
    with app.app_context():
        report = grade_sync.reconcile(_link(app))
        assert len(report.differences) == 1
        d = report.differences[0]
        assert d.user.sub == "student-1" and d.actual_text == "1 / 10" and d.expected.score_given == expected_score(app)
        report = grade_sync.reconcile(_link(app), queue=True)
        assert report.queued == 1
        worker.run_once()
    assert platform.gradebook[key]["score"]["scoreGiven"] == expected_score(app)


def test_reconcile_without_the_results_scope_says_how_to_get_it(client, platform, app):
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 6)
    with app.app_context():
        link = _link(app)
        link.ags_scopes = ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
        db.session.commit()
        report = grade_sync.reconcile(link)
        assert report.error and "result.readonly" in report.error.message


def test_a_second_submit_while_a_post_is_in_flight_is_posted_next(client, platform, app):
    a = first_launch(client, platform, app, grading_method="latest")
    answer_and_submit(app, a, 9)
    b = next_attempt(app, a)

    def submit_b_meanwhile(body):
        platform.after_store = None
        answer_and_submit(app, b, 1)
    platform.after_store = submit_b_meanwhile
    with app.app_context():
        worker.run_once()
        assert db.session.execute(db.select(GradeSync.status)).scalar_one() == "pending"
        worker.run_once()
    assert platform.gradebook[("7", "student-1")]["score"]["scoreGiven"] == expected_score(app)
    assert sync_row(app).status == "delivered"


def test_a_row_created_by_another_request_at_the_same_moment_is_updated_not_duplicated(
        client, platform, app, monkeypatch):
    a = first_launch(client, platform, app)
    answer_and_submit(app, a, 3)
    before = sync_row(app)
    with app.app_context():
        real = grade_sync._row_for_update
        looks = []

        def raced(link_id, user_id):  # the first look misses the row the other request just made
            looks.append(1)
            return None if len(looks) == 1 else real(link_id, user_id)
        monkeypatch.setattr(grade_sync, "_row_for_update", raced)
        row = grade_sync.request_sync(_link(app), db.session.get(Attempt, a).user_id, cause="reconcile")
        db.session.commit()
        assert len(looks) == 2 and row.id == before.id
        rows = db.session.execute(db.select(GradeSync)).scalars().all()
        assert len(rows) == 1 and rows[0].requested_seq == before.requested_seq + 1 and rows[0].cause == "reconcile"
