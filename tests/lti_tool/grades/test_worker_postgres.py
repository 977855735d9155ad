"""Grade workers on PostgreSQL: four workers draining 2,000 rows post each exactly once; the
database connection cut under a running worker; the line item created once by racing workers;
an app restarted with rows pending."""
import threading
import time

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import Assignment, Attempt, Context, Deployment, GradeSync, Platform, ResourceLink, User
from lti_tool.models.attempts import GRADED
from lti_tool.models.base import utcnow
from lti_tool.services import grade_sync
from tests.support.postgres import PG_MARKS, pg, pg_app, pg_platform, pg_url  # noqa: F401 (fixtures)

pytestmark = PG_MARKS


def _class(app, platform, n, *, lineitem=True):
    """n students, each with one graded attempt on one link, their scores queued (no HTTP)."""
    with app.app_context():
        p = db.session.execute(db.select(Platform)).scalar_one()
        dep = db.session.execute(db.select(Deployment)).scalar_one()
        ctx = Context(deployment_id=dep.id, context_id="course-1", title="Mental health nursing")
        db.session.add(ctx)
        db.session.flush()
        link = ResourceLink(context_id=ctx.id, resource_link_id="link-1", title="Alliance quiz",
                            lineitem_url=platform.lineitem() if lineitem else None,
                            lineitems_url=platform.url + "/lineitems",
                            ags_scopes=platform.container_only_ags()[next(iter(platform.container_only_ags()))]["scope"])
        db.session.add(link)
        db.session.flush()
        assignment = Assignment(resource_link_id=link.id, blueprint={"name": "x", "sections": []}, attempts_allowed=1,
                                grading_method="highest", feedback_policy="after_submit", points_possible=10.0)
        db.session.add(assignment)
        users = [User(platform_id=p.id, sub=f"s{i}", name=f"Student {i}") for i in range(n)]
        db.session.add_all(users)
        db.session.flush()
        now = utcnow()
        db.session.add_all([Attempt(assignment_id=assignment.id, user_id=u.id, number=1, state=GRADED, started_at=now,
                                    submitted_at=now, points=float(i % 11), max_points=10.0)
                            for i, u in enumerate(users)])
        db.session.flush()
        for u in users:
            grade_sync.request_sync(link, u.id, changed_at=now)
        db.session.commit()


def _drain(app, workers, limit=25):
    def run():
        with app.app_context():
            while worker.run_once(limit=limit):
                pass
            db.session.remove()
    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_four_workers_drain_2000_rows_each_posted_exactly_once(pg, pg_platform):
    _class(pg, pg_platform, 2000)
    _drain(pg, 4)
    posted = [s["body"]["userId"] for s in pg_platform.scores]
    assert len(posted) == 2000 and len(set(posted)) == 2000
    with pg.app_context():
        assert db.session.execute(db.select(db.func.count()).where(GradeSync.status != "delivered")).scalar() == 0


def test_racing_workers_create_the_line_item_once(pg, pg_platform):
    _class(pg, pg_platform, 12, lineitem=False)
    _drain(pg, 3, limit=2)
    assert len(pg_platform.lineitem_posts) == 1
    assert len({s["lineitem"] for s in pg_platform.scores}) == 1 and len(pg_platform.accepted) == 12


def test_database_connections_cut_under_a_running_worker(pg, pg_platform, pg_url):
    import psycopg
    _class(pg, pg_platform, 150)
    pg.config["GRADE_WORKER_INTERVAL"] = 0.05
    stop = worker.start_thread(pg)
    try:
        name = pg_url.rsplit("/", 1)[1]
        admin = pg_url.rsplit("/", 1)[0].replace("+psycopg", "") + "/test"
        for _ in range(5):  # as a PostgreSQL restart does to every open connection
            time.sleep(0.3)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        deadline = time.time() + 300  # generous: the machine may be busy
        while time.time() < deadline and len(pg_platform.accepted) < 150:
            time.sleep(0.5)
            # rows whose claim died with a cut connection wait out CLAIM_SECONDS: pass that time
            with pg.app_context():
                db.session.execute(db.update(GradeSync).where(GradeSync.status != "delivered",
                                                              GradeSync.claimed_until.is_not(None))
                                   .values(claimed_until=utcnow()))
                db.session.commit()
                db.session.remove()
    finally:
        stop.set()
        time.sleep(0.3)
    # every score stored once; a post repeated after a cut connection is refused as not newer
    stored = [s["userId"] for s in pg_platform.accepted]
    assert len(stored) == 150 and len(set(stored)) == 150
    with pg.app_context():
        db.session.remove()
        deadline = time.time() + 30
        while time.time() < deadline:  # the last claims may still be recorded
            left = db.session.execute(db.select(db.func.count()).where(GradeSync.status != "delivered")).scalar()
            if left == 0:
                break
            worker.run_once()
        assert left == 0


def test_app_restarted_with_rows_pending(pg, pg_platform, pg_url):
    from config import settings_for_tests
    from lti_tool import create_app
    _class(pg, pg_platform, 5)
    with pg.app_context():
        db.session.remove()
        db.engine.dispose()  # the first process is gone
    fresh = create_app(settings_for_tests(pg_url))
    with fresh.app_context():
        while worker.run_once():
            pass
        assert db.session.execute(db.select(db.func.count()).where(GradeSync.status == "delivered")).scalar() == 5
        db.engine.dispose()
    assert len(pg_platform.accepted) == 5
