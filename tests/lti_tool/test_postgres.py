"""The same code on PostgreSQL: migrations, a whole attempt, and concurrency that SQLite cannot show.

Skips with a reason where no PostgreSQL answers on 127.0.0.1:5432 (CI has one).
"""
import threading

from tests.support.postgres import PG_MARKS, pg, pg_app, pg_platform, pg_url  # noqa: F401 (fixtures)

pytestmark = PG_MARKS


def _submitted_attempts(app, platform, n):
    from lti_tool.extensions import db
    from lti_tool.models import Attempt
    from lti_tool.services import attempts
    client = app.test_client()
    ids = []
    for i in range(n):
        resp, _, _ = platform.launch(client, sub=f"s{i}")
        assert resp.status_code == 303, resp.get_data(as_text=True)
    with app.app_context():
        for a in db.session.execute(db.select(Attempt)).scalars().all():
            attempts.submit(a.id)
            ids.append(a.id)
    return ids


def test_migrations_and_bank_on_postgres(pg):
    from lti_tool.extensions import db
    from lti_tool.models import BankItem
    with pg.app_context():
        assert db.session.execute(db.select(db.func.count(BankItem.id))).scalar() >= 160


def test_whole_attempt_and_delivery_on_postgres(pg, pg_platform):
    from lti_tool.grades import worker
    ids = _submitted_attempts(pg, pg_platform, 1)
    with pg.app_context():
        assert worker.run_once() == 1
    assert len(pg_platform.scores) == 1 and pg_platform.scores[0]["body"]["userId"] == "s0"
    assert ids


def test_two_workers_never_post_one_row_twice(pg, pg_platform):
    from lti_tool.grades import worker
    _submitted_attempts(pg, pg_platform, 12)
    barrier = threading.Barrier(3)

    def run():
        with pg.app_context():
            barrier.wait()
            while worker.run_once(limit=2):
                pass
    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    users = [s["body"]["userId"] for s in pg_platform.scores]
    assert sorted(users) == sorted(f"s{i}" for i in range(12))  # each exactly once


def test_concurrent_submits_grade_once(pg, pg_platform):
    from lti_tool.extensions import db
    from lti_tool.models import Attempt, GradeSync
    from lti_tool.services import attempts
    client = pg.test_client()
    pg_platform.launch(client)
    with pg.app_context():
        aid = db.session.execute(db.select(Attempt.id)).scalar_one()
    barrier = threading.Barrier(4)
    errors = []

    def submit():
        with pg.app_context():
            barrier.wait()
            try:
                attempts.submit(aid)
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()
    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with pg.app_context():
        rows = db.session.execute(db.select(GradeSync)).scalars().all()
        assert len(rows) == 1 and rows[0].requested_seq == 1


def test_autosave_in_one_statement_is_idempotent_out_of_order_and_race_safe(pg, pg_platform):
    """PostgreSQL logs and applies an answer in one statement (a CTE): a retried save is not
    logged twice, an older save never replaces a newer one, and of two saves racing for one
    question in two transactions the newer wins whichever commits first."""
    from lti_tool.extensions import db
    from lti_tool.models import Attempt, AttemptItem, ResponseStep
    from lti_tool.services import attempts
    from lti_tool.services.bank_store import item_type
    client = pg.test_client()
    resp, _, _ = pg_platform.launch(client, sub="saver")
    assert resp.status_code == 303, resp.get_data(as_text=True)
    with pg.app_context():
        attempt = db.session.execute(db.select(Attempt)).scalars().one()
        aid, item = attempt.id, attempt.items[0]
        right = item_type(item.bank_item).correct_response()
        assert attempts.save_response(attempt, 1, 5, right).applied
        assert not attempts.save_response(attempt, 1, 5, right).applied  # retried
        assert not attempts.save_response(attempt, 1, 3, None).applied  # older, arriving late
        steps = db.session.execute(db.select(ResponseStep.seq).filter_by(attempt_item_id=item.id)).scalars().all()
        assert sorted(steps) == [3, 5]
        assert db.session.get(AttemptItem, item.id).response_seq == 5
        item_id = item.id
        db.session.remove()

    barrier = threading.Barrier(2)
    results = {}

    def save(seq):
        with pg.app_context():
            a = db.session.get(Attempt, aid)
            barrier.wait()
            results[seq] = attempts.save_response(a, 1, seq, right if seq == 9 else None).applied
            db.session.remove()
    threads = [threading.Thread(target=save, args=(seq,)) for seq in (8, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with pg.app_context():
        row = db.session.get(AttemptItem, item_id)
        assert (row.response_seq, row.response) == (9, right) and results[9]
