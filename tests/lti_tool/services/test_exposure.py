"""Exposure counts for the draw: read from the database at most every refresh, plus this
process's own draws in between, so an exam start does not count the whole class per launch."""
from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.services import exposure
from tests.support.queries import counting


def _assignment_id(app):
    with app.app_context():
        return db.session.execute(db.select(Attempt.assignment_id)).scalars().first()


def test_counts_come_from_the_database_then_from_this_process(client, platform, app):
    for sub in ("s1", "s2", "s3"):
        assert platform.launch(client, sub=sub)[0].status_code == 303
    aid = _assignment_id(app)
    with app.app_context():
        db_counts = exposure._count(aid)
        assert sum(db_counts.values()) == 30  # three attempts of ten items
        counts = exposure.ExposureCounts(refresh_seconds=3600)
        assert counts.get(aid) == db_counts
        first = counts.get(aid)
        counts.note_drawn(aid, ["x-1", next(iter(db_counts))])
        after = counts.get(aid)
        assert after["x-1"] == 1 and after[next(iter(db_counts))] == first[next(iter(db_counts))] + 1
        assert first == db_counts  # a draw reading the old dict never sees it change


def test_a_launch_does_not_count_the_class_again_within_the_refresh(client, platform, app):
    assert platform.launch(client, sub="warm")[0].status_code == 303
    with app.app_context():
        engine = db.engine
    with counting(engine) as log:
        assert platform.launch(client, sub="next")[0].status_code == 303
    assert not [s for s in log.statements if "group by bank_item.item_id" in s.lower()], log.report()


def test_the_next_student_gets_the_least_exposed_items(client, platform, app):
    """Within one process the draws balance at once (the bank has more than 2x10 items)."""
    app.config["EXPOSURE_REFRESH_SECONDS"] = 3600
    ids = []
    for sub in ("a", "b"):
        assert platform.launch(client, sub=sub)[0].status_code == 303
        with app.app_context():
            a = db.session.execute(db.select(Attempt).order_by(Attempt.id.desc())).scalars().first()
            ids.append({i.bank_item.item_id for i in a.items})
    assert not ids[0] & ids[1]


def test_refresh_reads_the_database_again(client, platform, app):
    assert platform.launch(client, sub="one")[0].status_code == 303
    aid = _assignment_id(app)
    with app.app_context():
        counts = exposure.ExposureCounts(refresh_seconds=0)
        counts.note_drawn(aid, ["phantom"])
        assert "phantom" not in counts.get(aid)  # a refresh replaces local guesses with the truth
