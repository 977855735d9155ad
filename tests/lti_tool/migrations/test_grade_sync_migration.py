"""Upgrading a database that holds the old per-attempt grade_delivery rows: each (link, user)
becomes one grade_sync row, and its first post after the upgrade is accepted by a platform
that refuses timestamps not later than the last one it stored."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_migrate import upgrade

from config import settings_for_tests


def test_old_deliveries_become_one_sync_row_per_student(tmp_path):
    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.models import GradeSync
    app = create_app(settings_for_tests(f"sqlite:///{tmp_path / 'old.db'}"))
    sent = datetime(2026, 11, 30, 12, 0, 5, tzinfo=timezone.utc)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="2649753928ce")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO platform (id, issuer, client_id, auth_login_url, auth_token_url, key_set_url) "
                                 "VALUES (1, 'https://lms.test', 'c', 'https://lms.test/a', 'https://lms.test/t', 'https://lms.test/k')"))
            conn.execute(sa.text("INSERT INTO deployment (id, platform_id, deployment_id) VALUES (1, 1, 'd')"))
            conn.execute(sa.text("INSERT INTO context (id, deployment_id, context_id) VALUES (1, 1, 'course')"))
            conn.execute(sa.text("INSERT INTO resource_link (id, context_id, resource_link_id, lineitem_url) "
                                 "VALUES (1, 1, 'link', 'https://lms.test/li/1')"))
            for uid in (1, 2):
                conn.execute(sa.text("INSERT INTO lti_user (id, platform_id, sub) VALUES (:i, 1, :s)"), {"i": uid, "s": f"u{uid}"})
            conn.execute(sa.text("INSERT INTO assignment (id, resource_link_id, title, blueprint, attempts_allowed, grading_method, "
                                 "feedback_policy, points_possible) VALUES (1, 1, 't', '{}', 0, 'latest', 'after_submit', 10)"))
            rows = [  # user 1: attempt 1 delivered, attempt 2 still failing; user 2: delivered
                (1, 1, 1, "delivered", 4.0, sent), (2, 2, 1, "failed", 7.0, None), (3, 3, 2, "delivered", 9.0, sent)]
            for did, attempt_id, uid, status, score, stamp in rows:
                conn.execute(sa.text("INSERT INTO attempt (id, assignment_id, user_id, number, state, is_preview) "
                                     "VALUES (:a, 1, :u, :n, 'graded', false)"), {"a": attempt_id, "u": uid, "n": attempt_id})
                conn.execute(sa.text(
                    "INSERT INTO grade_delivery (id, attempt_id, resource_link_id, user_id, lineitem_url, score_given, "
                    "score_maximum, status, tries, sent_timestamp) VALUES (:i, :a, 1, :u, 'https://lms.test/li/1', :g, 10, :s, 1, :t)"),
                    {"i": did, "a": attempt_id, "u": uid, "g": score, "s": status, "t": stamp})
        upgrade(directory=directory)
        rows = {r.user_id: r for r in db.session.execute(db.select(GradeSync)).scalars()}
        assert set(rows) == {1, 2}
        assert rows[1].status == "pending" and rows[1].state_at >= sent + timedelta(seconds=1)
        assert rows[2].status == "delivered" and rows[2].delivered_score == 9.0 and rows[2].up_to_date
        assert "grade_delivery" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
