"""The launch as one transaction: login state, user, link and attempt recorded together, and
two tabs launching the same new student at once still give one user and one attempt."""
import re
import threading

from lti_tool.extensions import db
from lti_tool.models import Attempt, LaunchState, Platform, User


def _attempt_id(resp):
    return int(re.search(r"/attempt/(\d+)", resp.headers["Location"]).group(1))


def test_two_tabs_launching_a_new_student_at_once_get_one_attempt(app, platform):
    """Both posts race through INSERT ... ON CONFLICT DO NOTHING for the user and the attempt."""
    logins = [platform.login(app.test_client(), login_hint="twin") for _ in range(2)]
    tokens = [(state, platform.sign(platform.claims(nonce, sub="twin"))) for state, nonce in logins]
    barrier = threading.Barrier(2)
    results = []

    def launch(state, token):
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/lti/launch", data={"id_token": token, "state": state}))
    threads = [threading.Thread(target=launch, args=t) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [303, 303], [r.get_data(as_text=True)[:300] for r in results]
    assert _attempt_id(results[0]) == _attempt_id(results[1])
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id)).filter_by(sub="twin")).scalar() == 1
        assert db.session.execute(db.select(db.func.count(Attempt.id))).scalar() == 1
        assert all(s.used_at is not None for s in db.session.execute(db.select(LaunchState)).scalars())


def test_a_launch_that_fails_after_validation_records_nothing_and_keeps_its_login(app, client, platform):
    """The consumed state is committed with the rest of the launch, or not at all."""
    state, nonce = platform.login(client, login_hint="observer")
    observer = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]
    resp = client.post("/lti/launch", data={"id_token": platform.sign(platform.claims(nonce, sub="observer", roles=observer)),
                                            "state": state})
    assert resp.status_code == 403
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(sub="observer")).first() is None
        assert db.session.get(LaunchState, state).used_at is None


def test_last_launch_is_stamped_at_most_once_a_minute(app, client, platform):
    platform.launch(client, sub="first")
    with app.app_context():
        first = db.session.execute(db.select(Platform)).scalar_one().last_launch_at
    platform.launch(client, sub="second")
    with app.app_context():
        p = db.session.execute(db.select(Platform)).scalar_one()
        assert first is not None and p.last_launch_at == first
        assert p.deployments[0].last_launch_at is not None


def test_a_relaunch_stores_what_the_lms_changed_and_writes_nothing_when_nothing_did(app, client, platform):
    """The course title, the link's custom parameters and its line item follow the latest launch;
    a launch that changes nothing leaves the rows untouched (no UPDATE is sent)."""
    from lti_tool.models import Context, ResourceLink
    from tests.support.queries import counting
    LTI = "https://purl.imsglobal.org/spec/lti/claim/"
    platform.launch(client, sub="a")
    renamed = {LTI + "context": {"id": "course-1", "title": "Psychiatric nursing", "label": "NURS 241"},
               LTI + "custom": {"due_at": "2027-01-01T09:00:00Z"}}
    platform.launch(client, claims_overrides=renamed, sub="b")
    with app.app_context():
        ctx = db.session.execute(db.select(Context)).scalar_one()
        link = db.session.execute(db.select(ResourceLink)).scalar_one()
        assert (ctx.title, ctx.label) == ("Psychiatric nursing", "NURS 241")
        assert link.custom == {"due_at": "2027-01-01T09:00:00Z"} and link.lineitem_url
        engine = db.engine
    with counting(engine) as log:
        platform.launch(client, claims_overrides=renamed, sub="b")
    assert not [s for s in log.statements if s.startswith("UPDATE context") or s.startswith("UPDATE resource_link")]
