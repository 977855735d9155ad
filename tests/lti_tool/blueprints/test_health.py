from datetime import timedelta


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations", "redis", "grade_queue"}
    assert body["checks"]["redis"] == {"ok": True, "configured": False}


def test_readyz_reports_an_unreachable_database():
    from config import settings_for_tests
    from lti_tool import create_app
    app = create_app(settings_for_tests("postgresql+psycopg://nobody@127.0.0.1:9/none"))
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["status"] == "unavailable"
    assert resp.get_json()["checks"]["database"]["ok"] is False


def test_readyz_refuses_a_schema_behind_the_code(app, client):
    from lti_tool.extensions import db
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = '2649753928ce'"))
        db.session.commit()
    resp = client.get("/readyz")
    assert resp.status_code == 503
    check = resp.get_json()["checks"]["migrations"]
    assert check["ok"] is False and "rapport db upgrade" in check["error"]


def test_readyz_refuses_when_redis_is_configured_but_down(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}


def _pending_grade(app, platform, client, waited: timedelta):
    from lti_tool.extensions import db
    from lti_tool.models import GradeSync
    from lti_tool.models.base import utcnow
    resp, _, _ = platform.launch(client)
    attempt_id = int(resp.headers["Location"].split("/attempt/")[1].split("?")[0])
    with app.app_context():
        from lti_tool.services import attempts
        attempts.submit(attempt_id)
        row = db.session.execute(db.select(GradeSync)).scalar_one()
        row.next_try_at = utcnow() - waited
        db.session.commit()


def test_readyz_fails_when_the_oldest_due_grade_waited_too_long(app, client, platform):
    app.config["READY_GRADE_QUEUE_SECONDS"] = 600
    _pending_grade(app, platform, client, timedelta(seconds=30))
    ok = client.get("/readyz").get_json()["checks"]["grade_queue"]
    assert ok["ok"] is True and 29 <= ok["oldest_pending_seconds"] < 600
    app.config["READY_GRADE_QUEUE_SECONDS"] = 10
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert "rapport worker" in resp.get_json()["checks"]["grade_queue"]["error"]


def test_unknown_page_is_a_clear_404_without_trace(client):
    resp = client.get("/nope", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and "Traceback" not in resp.get_data(as_text=True)
