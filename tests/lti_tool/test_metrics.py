"""Prometheus metrics at /metrics: request latency by endpoint, launches, attempts started and
submitted, autosaves, the grade queue read from the database, delivery tries."""
from prometheus_client.parser import text_string_to_metric_families


def scrape(client, **kw) -> dict:
    resp = client.get("/metrics", **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    out = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_student_journey_moves_the_counters(app, client, platform):
    before = scrape(client)
    resp, _, _ = platform.launch(client)
    assert resp.status_code == 303
    url = resp.headers["Location"]
    attempt_id = int(url.split("/attempt/")[1].split("?")[0])
    token = url.split("lt=")[1]
    saved = client.post(f"/attempt/{attempt_id}/save", data={"position": 1, "seq": 1},
                        headers={"X-Launch-Token": token, "Accept": "application/json"})
    assert saved.status_code in (200, 400)
    refused = client.post("/lti/launch", data={})
    assert refused.status_code == 400
    with app.app_context():
        from lti_tool.services import attempts
        attempts.submit(attempt_id)
    after = scrape(client)
    assert value(after, "rapport_launches_total", outcome="learner") == value(before, "rapport_launches_total", outcome="learner") + 1
    assert value(after, "rapport_launches_total", outcome="refused") == value(before, "rapport_launches_total", outcome="refused") + 1
    assert value(after, "rapport_attempts_started_total") == value(before, "rapport_attempts_started_total") + 1
    assert value(after, "rapport_attempts_submitted_total", by="student") == value(before, "rapport_attempts_submitted_total", by="student") + 1
    outcome = "saved" if saved.status_code == 200 else "refused"
    assert value(after, "rapport_autosaves_total", outcome=outcome) == value(before, "rapport_autosaves_total", outcome=outcome) + 1
    launches = value(after, "rapport_http_request_duration_seconds_count", endpoint="lti.launch", method="POST")
    assert launches == value(before, "rapport_http_request_duration_seconds_count", endpoint="lti.launch", method="POST") + 2
    # the queue as the database has it: one pending row, due now
    assert value(after, "rapport_grade_sync_rows", status="pending") == 1
    assert value(after, "rapport_grade_sync_oldest_pending_seconds") >= 0


def test_a_resumed_attempt_is_not_counted_as_started(app, client, platform):
    platform.launch(client)
    before = scrape(client)
    resp, _, _ = platform.launch(client)  # same student, same link: resumes
    assert resp.status_code == 303
    assert value(scrape(client), "rapport_attempts_started_total") == value(before, "rapport_attempts_started_total")


def test_grade_delivery_tries_are_counted_and_logged(app, client, platform, caplog):
    import logging

    from lti_tool.grades.worker import run_once
    resp, _, _ = platform.launch(client)
    attempt_id = int(resp.headers["Location"].split("/attempt/")[1].split("?")[0])
    before = scrape(client)
    with app.app_context(), caplog.at_level(logging.INFO, logger="rapport.grades"):
        from lti_tool.services import attempts
        attempts.submit(attempt_id)
        platform.score_status = [503, 200]
        run_once()
        from lti_tool.extensions import db
        from lti_tool.models import GradeSync
        row = db.session.execute(db.select(GradeSync)).scalar_one()
        row.next_try_at = row.created_at
        db.session.commit()
        run_once()
    after = scrape(client)
    assert value(after, "rapport_grade_delivery_tries_total", outcome="failed") == value(before, "rapport_grade_delivery_tries_total", outcome="failed") + 1
    assert value(after, "rapport_grade_delivery_tries_total", outcome="delivered") == value(before, "rapport_grade_delivery_tries_total", outcome="delivered") + 1
    tries = [r for r in caplog.records if r.name == "rapport.grades"]
    assert len(tries) == 2 and "-> failed" in tries[0].getMessage() and "-> delivered" in tries[1].getMessage()


def test_metrics_can_require_a_bearer_token(app, client):
    app.config["METRICS_TOKEN"] = "s3cret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert scrape(client, headers={"Authorization": "Bearer s3cret"})
