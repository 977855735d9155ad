"""Property: over any sequence of submits, regrades, outages, worker crashes and retries, the
platform ends at the grading method's score for every student, and never accepts a score
older than one it already holds.

The platform double behaves as Moodle does: it refuses (409) a score whose timestamp is not
later, to the second, than the stored one.
"""
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import settings_for_tests
from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import Attempt, GradeSync, User
from lti_tool.services import assignments, grade_sync
from tests.support.grades import answer_and_submit, expire_claims, first_launch, make_due, next_attempt
from tests.support.platform import TestPlatform

STUDENTS = ("s1", "s2")
METHODS = ("highest", "latest", "first", "average")

ops = st.lists(st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(STUDENTS), st.integers(0, 10)),
    st.tuples(st.just("regrade"), st.sampled_from(METHODS)),
    st.tuples(st.just("outage"), st.booleans()),
    st.tuples(st.just("run")),
    st.tuples(st.just("crash")),
    st.tuples(st.just("expire")),
), min_size=1, max_size=14)


class Died(BaseException):
    """The worker process dies: nothing after the POST is recorded."""


@pytest.fixture(scope="module")
def lms():
    p = TestPlatform()
    yield p
    p.server.stop()


def _reset(p: TestPlatform) -> None:
    p.gradebook.clear()
    p.accepted.clear()
    p.scores.clear()
    p.down, p.token_status, p.score_status = False, None, [200]


def _expected(app, sub):
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(sub=sub)).scalar_one_or_none()
        if user is None:
            return None
        attempt = db.session.execute(db.select(Attempt).filter_by(user_id=user.id, is_preview=False)).scalars().first()
        score = grade_sync.gradebook_score(attempt.assignment, user.id)
        row = db.session.execute(db.select(GradeSync).filter_by(user_id=user.id)).scalar_one_or_none()
        return (score.score_given if score else None), (row.state_at if row else None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(sequence=ops, method=st.sampled_from(METHODS))
def test_gradebook_ends_at_the_grading_methods_score(template_db, lms, sequence, method):
    from lti_tool import create_app
    from lti_tool.lti.ags import TenantServiceConnector
    _reset(lms)
    TenantServiceConnector.forget()
    tmp = Path(tempfile.mkdtemp())
    shutil.copy(template_db, tmp / "rapport.db")
    app = create_app(settings_for_tests(f"sqlite:///{tmp / 'rapport.db'}"))
    try:
        lms.register(app)
        client = app.test_client()
        latest: dict[str, int] = {}
        history: dict[str, list] = {s: [] for s in STUDENTS}  # (state_at, expected score) after each change

        def note(sub):
            score, state_at = _expected(app, sub)
            if state_at is not None:
                history[sub].append((state_at.replace(microsecond=0), score))

        for op in sequence:
            kind = op[0]
            if kind == "submit":
                _, sub, correct = op
                if sub not in latest:
                    # Settings only with the link's first launch; later changes go through update_settings.
                    settings_ = {} if latest else {"grading_method": method}
                    latest[sub] = first_launch(client, lms, app, sub=sub, **settings_)
                else:
                    latest[sub] = next_attempt(app, latest[sub])
                answer_and_submit(app, latest[sub], correct)
                note(sub)
            elif kind == "regrade" and latest:
                with app.app_context():
                    assignment = db.session.get(Attempt, next(iter(latest.values()))).assignment
                    assignments.update_settings(assignment, assignments.Settings(
                        "quick-check", 0, op[1], assignment.feedback_policy, 10.0, None))
                for sub in latest:
                    note(sub)
            elif kind == "outage":
                lms.down = op[1]
            elif kind == "run":
                make_due(app)
                with app.app_context():
                    worker.run_once()
            elif kind == "crash":
                make_due(app)
                with app.app_context(), mock.patch.object(worker, "_finish", side_effect=Died()):
                    try:
                        worker.run_once()
                    except Died:
                        db.session.rollback()
            elif kind == "expire":
                expire_claims(app)

        # The LMS comes back and the worker runs until nothing is left.
        lms.down = False
        for _ in range(6):
            expire_claims(app)
            make_due(app)
            with app.app_context():
                worker.run_once()
        for sub in latest:
            want, _ = _expected(app, sub)
            got = lms.gradebook[("7", sub)]["score"]["scoreGiven"]
            assert got == want, (sub, got, want, sequence)
            # Every accepted score is the grading method's score at its timestamp or later:
            # nothing stale was ever written over something newer.
            from datetime import datetime
            for posted in (s for s in lms.accepted if s["userId"] == sub):
                t = datetime.fromisoformat(posted["timestamp"].replace("Z", "+00:00"))
                assert any(at >= t and score == posted["scoreGiven"] for at, score in history[sub]), (posted, history[sub])
        with app.app_context():
            assert all(r.status == "delivered" for r in db.session.execute(db.select(GradeSync)).scalars())
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
