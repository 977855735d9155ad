"""Narrow attempt reads: the same facts as the ORM, one query, definitions cached safely."""
from lti_tool.extensions import db
from lti_tool.models import Accommodation, Attempt
from lti_tool.services import attempt_rows, attempts
from lti_tool.services.bank_store import item_type
from tests.support.queries import counting


def _attempt(client, platform, app):
    resp, _, _ = platform.launch(client)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(db.select(Attempt).order_by(Attempt.id.desc())).scalars().first().id


def test_rows_match_the_orm_and_cost_one_query_once_definitions_are_known(client, platform, app):
    aid = _attempt(client, platform, app)
    with app.app_context():
        full = db.session.get(Attempt, aid)
        first = full.items[0]
        attempts.save_response(full, first.position, 1, item_type(first.bank_item).correct_response())
        expected = [(i.id, i.position, i.bank_item_id, i.response, i.response_seq, i.bank_item.definition,
                     i.bank_item.type) for i in full.items]
        db.session.remove()
        with counting(db.engine) as log:
            rows = attempt_rows.load(aid)
        assert len(log.statements) == 1  # the launch's draw left the definitions in the cache
        assert (rows.id, rows.user_id, rows.state, rows.assignment.id) == (full.id, full.user_id, full.state,
                                                                           full.assignment_id)
        assert [(i.id, i.position, i.bank_item_id, i.response, i.response_seq, i.bank_item.definition,
                 i.bank_item.type) for i in rows.items] == expected
        assert rows.item_at(first.position).response is not None and rows.item_at(999) is None
        db.session.remove()


def test_a_cached_definition_under_another_content_hash_is_read_again(client, platform, app):
    aid = _attempt(client, platform, app)
    with app.app_context():
        rows = attempt_rows.load(aid)
        bank_id = rows.items[0].bank_item_id
        key = (attempt_rows._db_key(), bank_id)
        real = attempt_rows._defs[key]
        # The same row id naming other content (another database, a fresh test one): never used.
        attempt_rows._defs[key] = attempt_rows.BankDef(bank_id, "mcq", "x", {"stem": "stale"}, "other-hash")
        with counting(db.engine) as log:
            again = attempt_rows.load(aid)
        assert len(log.statements) == 2 and "bank_item.definition" in log.statements[1]
        assert again.items[0].bank_item.definition == real.definition
        assert attempt_rows._defs[key].content_hash == real.content_hash
        db.session.remove()


def test_head_counts_questions_and_items_load_in_one_query(client, platform, app):
    aid = _attempt(client, platform, app)
    with app.app_context():
        attempt, questions, cases, acc = attempt_rows.head(aid)
        assert questions == 10 and cases == 0 and acc is None
        with counting(db.engine) as log:
            attempts.load(aid)  # held without its items: they come in one query, not 1 + N
            [i.bank_item.definition for i in attempt.items]
        assert len(log.statements) == 1 and len(attempt.items) == 10
        assert attempt_rows.head(10_000) is None and attempt_rows.load(10_000) is None
        db.session.remove()


def test_head_brings_the_students_accommodation_in_the_launch_course_only(client, platform, app):
    """The start page shows the extra time and attempts from the same query as the attempt."""
    aid = _attempt(client, platform, app)
    with app.app_context():
        a = db.session.get(Attempt, aid)
        context_id, user_id = a.assignment.context_id, a.user_id
        db.session.add(Accommodation(context_id=context_id, user_id=user_id, time_multiplier=1.5, extra_attempts=2))
        db.session.commit()
        db.session.remove()
        with counting(db.engine) as log:
            _, _, _, acc = attempt_rows.head(aid, context_id)
        assert len(log.statements) == 1 and (acc.time_multiplier, acc.extra_attempts) == (1.5, 2)
        assert attempt_rows.head(aid, context_id + 1000)[3] is None  # another course's accommodation: none
        db.session.remove()
