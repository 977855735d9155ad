"""Attempt lifecycle: frozen draw, idempotent autosave, one submission, outbox row, timer."""
from datetime import timedelta

import pytest

from lti_tool.extensions import db
from lti_tool.models import Attempt, AttemptItem, GradeSync, ResponseStep
from lti_tool.models.base import utcnow
from lti_tool.services import attempts, case_progress
from lti_tool.services.bank_store import item_type


def _launch_attempt(client, platform, app, **kw):
    resp, _, _ = platform.launch(client, **kw)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(db.select(Attempt).order_by(Attempt.id.desc())).scalars().first().id


def _answer_all_correct(app, attempt_id):
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        for item in attempt.items:
            t = item_type(item.bank_item)
            attempts.save_response(attempt, item.position, 1, t.correct_response())


def test_draw_is_stored_and_resumed(client, platform, app):
    a1 = _launch_attempt(client, platform, app)
    a2 = _launch_attempt(client, platform, app)  # a second launch resumes, same order
    assert a1 == a2
    with app.app_context():
        attempt = db.session.get(Attempt, a1)
        assert len(attempt.items) == 10
        ids = [i.bank_item.item_id for i in attempt.items]
        assert len(set(ids)) == 10
        assert all(i.presentation is not None for i in attempt.items)


def test_autosave_is_idempotent_and_out_of_order_safe(client, platform, app):
    aid = _launch_attempt(client, platform, app)
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        item = attempt.items[0]
        t = item_type(item.bank_item)
        right = t.correct_response()
        assert attempts.save_response(attempt, 1, 5, right).applied
        assert not attempts.save_response(attempt, 1, 5, right).applied  # retried save
        assert not attempts.save_response(attempt, 1, 3, None).applied   # a late, older save
        db.session.refresh(item)
        assert item.response == right and item.response_seq == 5
        steps = db.session.execute(db.select(ResponseStep).filter_by(attempt_item_id=item.id)).scalars().all()
        assert sorted(s.seq for s in steps) == [3, 5]


def test_invalid_answer_is_refused_and_nothing_lost(client, platform, app):
    aid = _launch_attempt(client, platform, app)
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        right = item_type(attempt.items[0].bank_item).correct_response()
        attempts.save_response(attempt, 1, 1, right)
        with pytest.raises(attempts.AttemptError):
            attempts.save_response(attempt, 1, 2, {"not": "an answer"} if not isinstance(right, dict) else "zzz")
        assert db.session.get(AttemptItem, attempt.items[0].id).response == right


def test_submit_twice_grades_once_and_queues_one_delivery(client, platform, app):
    aid = _launch_attempt(client, platform, app)
    _answer_all_correct(app, aid)
    with app.app_context():
        first = attempts.submit(aid)
        second = attempts.submit(aid)
        assert first.state == second.state == "graded"
        assert first.points == first.max_points > 0
        rows = db.session.execute(db.select(GradeSync)).scalars().all()
        assert len(rows) == 1 and rows[0].requested_seq == 1
        assert rows[0].state_at == first.submitted_at.replace(microsecond=0)
        with pytest.raises(attempts.AttemptError):
            attempts.save_response(first, 1, 99, None)


def test_instructor_preview_is_never_queued(client, platform, app):
    from tests.support.platform import INSTRUCTOR
    platform.launch(client, sub="t1", roles=(INSTRUCTOR,))
    with app.app_context():
        from lti_tool.models import Context, ResourceLink, User
        from lti_tool.services.launches import LaunchContext
        user = db.session.execute(db.select(User).filter_by(sub="t1")).scalar_one()
        link = db.session.execute(db.select(ResourceLink)).scalar_one()
        lc = LaunchContext(user, db.session.get(Context, link.context_id), link, link.assignment, True, True)
        attempt = attempts.start_or_resume(lc, "secret", new=True)
        attempts.submit(attempt.id)
        assert db.session.execute(db.select(GradeSync)).scalars().all() == []


def test_overdue_attempt_is_swept_with_saved_answers(client, platform, app):
    aid = _launch_attempt(client, platform, app)
    _answer_all_correct(app, aid)
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        attempt.deadline_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        assert attempts.sweep_overdue() == 1
        attempt = db.session.get(Attempt, aid)
        assert attempt.state == "graded" and attempt.submitted_by == "sweep"
        assert attempt.points == attempt.max_points


def test_second_attempt_refused_when_one_allowed(client, platform, app):
    aid = _launch_attempt(client, platform, app)
    with app.app_context():
        attempts.submit(aid)
    assert _launch_attempt(client, platform, app) == aid  # relaunch shows the finished attempt


def test_seen_items_are_avoided_on_the_next_attempt(client, platform, app):
    aid = _launch_attempt(client, platform, app)
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        attempt.assignment.attempts_allowed = 0
        first_ids = {i.bank_item.item_id for i in attempt.items}
        attempts.submit(aid)
        from lti_tool.services.launches import LaunchContext
        from lti_tool.models import Context
        lc = LaunchContext(attempt.user, db.session.get(Context, attempt.assignment.resource_link.context_id),
                           attempt.assignment.resource_link, attempt.assignment, False, False)
        nxt = attempts.start_or_resume(lc, "secret", new=True)
        assert nxt.id != aid
        assert first_ids.isdisjoint({i.bank_item.item_id for i in nxt.items})


def test_answers_sent_with_the_submit_form_are_kept_in_one_commit(client, platform, app):
    """Without JavaScript every answer arrives with the submit: one transaction, not one per
    question; an answer the item refuses is skipped and the rest are kept."""
    from tests.support.queries import counting
    aid = _launch_attempt(client, platform, app)
    with app.app_context():
        attempt = attempts.load(aid)
        frontiers = case_progress.case_frontiers(attempt)
        open_items = [i for i in attempt.items if case_progress.reached(i, frontiers)]
        assert len(open_items) >= 3
        responses = {i.position: item_type(i.bank_item).correct_response() for i in open_items}
        bad = open_items[0].position
        responses[bad] = {"no such": "shape"}
        with counting(db.engine) as log:
            attempts.save_unsaved(attempt, responses)
        assert log.commits == 1, log.report()
        db.session.expire_all()
        stored = {i.position: i.response for i in attempts.load(aid).items}
        assert stored[bad] is None
        assert all(stored[p] == r for p, r in responses.items() if p != bad)
