"""Stateless app hosts, proved: two `rapport serve` (gunicorn) processes on two ports against one
PostgreSQL and one Redis, Debian's nginx round-robin in front (or the client alternating hosts
where nginx is not installed). The OIDC login lands on one host and the launch on the other,
autosaves alternate, the submit lands on either, and the platform receives exactly one grade,
although each host runs its own grade worker."""
import json
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from config import settings_for_tests
from tests.support.cluster import Cluster
from tests.support.forms import form_fields
from tests.support.platform import TestPlatform
from tests.support.postgres import PG_MARKS, fresh_database
from tests.support.redis import REDIS_URL, redis_prefix  # noqa: F401 (fixture)

pytestmark = PG_MARKS


@pytest.fixture
def database():
    with fresh_database("rapport_hosts") as url:
        yield url


def test_login_on_one_host_launch_on_the_other_one_grade(database, redis_prefix):  # noqa: F811
    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.models import Attempt, AttemptItem, GradeSync
    from lti_tool.services.bank_store import item_type
    redis, prefix = redis_prefix
    cluster = Cluster(database, REDIS_URL, hosts=2, web_workers=2, extra_env={"RAPPORT_REDIS_KEY_PREFIX": prefix,
                                                                              "RAPPORT_READY_GRADE_QUEUE_SECONDS": "3600"})
    platform = TestPlatform()
    try:
        upgraded = cluster.rapport("db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        app = create_app(settings_for_tests(database, base_url=cluster.base_url))
        platform.register(app)
        cluster.start()
        served = []
        http = requests.Session()

        def send(method, path, **kw):
            resp = http.request(method, cluster.next_url() + path, allow_redirects=False, timeout=30, **kw)
            served.append((path.split("?")[0], cluster.host_of(resp)))
            return resp

        # 1. OIDC login
        login = send("POST", "/lti/login", data={
            "iss": platform.issuer, "login_hint": "student-1", "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id, "target_link_uri": cluster.base_url + "/lti/launch"})
        assert login.status_code == 302, login.text
        q = parse_qs(urlparse(login.headers["Location"]).query)
        state, nonce = q["state"][0], q["nonce"][0]
        assert redis.exists(f"{prefix}:launch-state:{state}")

        # 2. the launch, on the other host
        claims = platform.claims(nonce)
        claims["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"] = cluster.base_url + "/lti/launch"
        id_token = platform.sign(claims)
        launch = send("POST", "/lti/launch", data={"id_token": id_token, "state": state})
        assert launch.status_code == 303, launch.text
        assert served[0][1] is not None and served[1][1] is not None and served[0][1] != served[1][1], served
        attempt_path = urlparse(launch.headers["Location"])
        attempt_id = int(attempt_path.path.rsplit("/", 1)[1])
        token = parse_qs(attempt_path.query)["lt"][0]
        # the consumed state is gone on every host: a replay through the balancer is refused
        assert send("POST", "/lti/launch", data={"id_token": id_token, "state": state}).status_code == 401

        page = send("GET", f"/attempt/{attempt_id}?lt={token}")
        assert page.status_code == 200 and 'id="start-button"' in page.text  # the start page first
        assert send("POST", f"/attempt/{attempt_id}/start", data={"lt": token}).status_code in (200, 303)
        page = send("GET", f"/attempt/{attempt_id}?lt={token}")
        assert page.status_code == 200 and "Question 1" in page.text

        # 3. one autosave per item, alternating hosts; each answer right
        with app.app_context():
            items = db.session.execute(db.select(AttemptItem).filter_by(attempt_id=attempt_id)
                                       .order_by(AttemptItem.position)).scalars().all()
            answers = {i.position: (i.bank_item.type, item_type(i.bank_item).correct_response()) for i in items}
            # a case study's parts open one at a time: each part but the last is locked to go on
            last_of_case = {}
            for i in items:
                case = i.bank_item.definition.get("case")
                if case:
                    last_of_case[case["id"]] = max(last_of_case.get(case["id"], 0), i.position)
            to_lock = {i.position for i in items if i.bank_item.definition.get("case")
                       and i.position != last_of_case[i.bank_item.definition["case"]["id"]]}
        for position, (kind, right) in answers.items():
            saved = send("POST", f"/attempt/{attempt_id}/save",
                         data=form_fields(kind, f"q{position}", right) + [("position", str(position)), ("seq", "1")],
                         headers={"X-Launch-Token": token, "Accept": "application/json"})
            assert saved.status_code == 200, saved.text
            assert saved.json()["applied"] is True
            token = saved.json()["lt"]
            if position in to_lock:
                locked = send("POST", f"/attempt/{attempt_id}/lock", data={"lt": token, "lock": str(position)})
                assert locked.status_code == 303, locked.text
                token = parse_qs(urlparse(locked.headers["Location"]).query)["lt"][0]
        save_hosts = {h for path, h in served if path.endswith("/save")}
        assert save_hosts == {0, 1}, served

        # 4. submit, wherever it lands
        done = send("POST", f"/attempt/{attempt_id}/submit", data={"lt": token})
        assert done.status_code == 303, done.text
        review = send("GET", urlparse(done.headers["Location"]).path + "?" + urlparse(done.headers["Location"]).query)
        assert review.status_code == 200

        # every answer the student sent is stored; full marks
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.state == "graded" and attempt.points == attempt.max_points > 0
            for item in attempt.items:
                assert item.response == json.loads(json.dumps(answers[item.position][1]))

        # 5. exactly one grade reaches the platform, though both hosts run a grade worker
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not platform.accepted:
            time.sleep(0.2)
        assert len(platform.accepted) == 1, platform.scores
        with app.app_context():
            row = db.session.execute(db.select(GradeSync)).scalar_one()
            assert row.status == "delivered"
        time.sleep(3)  # both workers polled again: still one post
        assert len(platform.scores) == 1 and platform.accepted[0]["scoreGiven"] == platform.accepted[0]["scoreMaximum"]

        # what operators see: a JSON access line per request with its request id, the delivery
        # line of whichever host delivered, and no launch token anywhere in the logs
        logs = cluster.logs(0) + cluster.logs(1)
        assert token not in logs and id_token not in logs and "lt=" not in logs
        access = [json.loads(line) for line in logs.splitlines()
                  if line.startswith("{") and '"rapport.access"' in line]
        assert any(a["path"] == "/lti/launch" and a["status"] == 303 and a["request_id"] for a in access)
        assert re.search(r'"logger": "rapport.grades", "msg": "grade_sync \d+ \(user \d+\) seq 1 -> delivered', logs), logs[-3000:]
        # the metrics of both hosts count the whole journey between them
        counted = 0.0
        for port in cluster.ports:
            text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            m = re.search(r'^rapport_autosaves_total\{outcome="saved"\} ([\d.]+)$', text, re.M)
            counted += float(m.group(1)) if m else 0.0
        assert counted == len(answers)
    finally:
        cluster.stop()
        platform.server.stop()
        cluster.cleanup()
