"""Helpers for grade-sync tests: students who take several attempts with chosen scores, and a
way to move the worker's clock forward (make retries due, expire a crashed worker's claim)."""
from __future__ import annotations

from datetime import timedelta

from lti_tool.extensions import db
from lti_tool.models import Attempt, Context, GradeSync, User
from lti_tool.models.base import utcnow
from lti_tool.services import attempts
from lti_tool.services.bank_store import item_type
from lti_tool.services.launches import LaunchContext


def first_launch(client, platform, app, sub="student-1", **settings) -> int:
    """Launch once (creating the link and attempt 1); apply assignment settings; return the attempt id."""
    resp, _, _ = platform.launch(client, sub=sub)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(sub=sub)).scalar_one()
        attempt = db.session.execute(db.select(Attempt).filter_by(user_id=user.id)
                                     .order_by(Attempt.number.desc())).scalars().first()
        assignment = attempt.assignment
        assignment.attempts_allowed = 0
        for k, v in settings.items():
            setattr(assignment, k, v)
        db.session.commit()
        return attempt.id


def answer_and_submit(app, attempt_id: int, correct: int) -> float:
    """Answer the first `correct` questions right and submit; return the attempt's fraction."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        for item in attempt.items[:correct]:
            attempts.save_response(attempt, item.position, 1, item_type(item.bank_item).correct_response())
        attempt = attempts.submit(attempt_id)
        return attempt.fraction


def next_attempt(app, previous_id: int) -> int:
    with app.app_context():
        a = db.session.get(Attempt, previous_id)
        link = a.assignment.resource_link
        lc = LaunchContext(a.user, db.session.get(Context, link.context_id), link, a.assignment, False, False)
        return attempts.start_or_resume(lc, "secret", new=True).id


def make_due(app, seconds_ago: float = 1.0) -> None:
    """Every waiting row due now, as if its backoff had passed."""
    with app.app_context():
        db.session.execute(db.update(GradeSync).values(next_try_at=utcnow() - timedelta(seconds=seconds_ago)))
        db.session.commit()


def expire_claims(app) -> None:
    """As if CLAIM_SECONDS had passed since a worker died holding rows."""
    with app.app_context():
        db.session.execute(db.update(GradeSync).where(GradeSync.claimed_until.is_not(None))
                           .values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def age_failures(app, by: timedelta) -> None:
    """As if the platform had been failing for `by` longer."""
    with app.app_context():
        for row in db.session.execute(db.select(GradeSync).where(GradeSync.failing_since.is_not(None))).scalars():
            row.failing_since = row.failing_since - by
        db.session.commit()


def sync_row(app, sub="student-1") -> GradeSync:
    with app.app_context():
        row = db.session.execute(db.select(GradeSync).join(User, User.id == GradeSync.user_id)
                                 .where(User.sub == sub)).scalar_one()
        db.session.expunge(row)
        return row


def expected_score(app, sub="student-1") -> float:
    """What the grading method says the gradebook should hold, from Rapport's own data."""
    from lti_tool.services.grade_sync import gradebook_score
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(sub=sub)).scalar_one()
        attempt = db.session.execute(db.select(Attempt).filter_by(user_id=user.id)).scalars().first()
        return gradebook_score(attempt.assignment, user.id).score_given
