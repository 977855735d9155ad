"""Key rotation under a stream of launches and grade-service token requests: none fails.

The platform here behaves like a strict real one: it verifies each client assertion against
Rapport's published JWKS, which it caches (short TTL) and never refetches for an unknown kid.
It works only because the next key is published before it signs, and the previous one stays
published through its grace period."""
import threading
import time
from datetime import datetime, timedelta, timezone

import jwt
from flask import jsonify, request

from lti_tool.extensions import db
from lti_tool.lti import ags, keys
from lti_tool.models import Platform
from tests.support.platform import ServerThread, TestPlatform

ROUNDS = 4


class VerifyingPlatform(TestPlatform):
    __test__ = False

    def __init__(self, tool_jwks_url: str, ttl: float = 0.3):
        super().__init__()
        self.tool_jwks_url, self.ttl = tool_jwks_url, ttl
        self._cache = (0.0, {})
        self.verified, self.failures, self.kids = 0, [], set()
        app = self.server.server.app
        app.view_functions["token"] = self._token

    def _tool_keys(self) -> dict:
        fetched_at, by_kid = self._cache
        if time.monotonic() - fetched_at > self.ttl:
            import requests
            by_kid = {k["kid"]: k for k in requests.get(self.tool_jwks_url, timeout=10).json()["keys"]}
            self._cache = (time.monotonic(), by_kid)
        return by_kid

    def _token(self):
        assertion = request.form.get("client_assertion", "")
        try:
            kid = jwt.get_unverified_header(assertion)["kid"]
            jwk = self._tool_keys().get(kid)
            if jwk is None:
                raise ValueError(f"kid {kid} not in the tool's published keys")
            key = jwt.PyJWK(jwk).key
            jwt.decode(assertion, key, algorithms=["RS256"], audience=self.url + "/token")
        except Exception as exc:  # noqa: BLE001 - recorded and answered as a real platform would
            self.failures.append(f"token: {exc}")
            return jsonify(error="invalid_client"), 401
        self.verified += 1
        self.kids.add(kid)
        return jsonify(access_token="tok", token_type="bearer", expires_in=3600, scope=request.form.get("scope"))


def test_rotation_under_launches_and_token_requests(app):
    tool = ServerThread(app)
    tp = VerifyingPlatform(f"http://127.0.0.1:{tool.port}/lti/jwks")  # Rapport's JWKS, over HTTP
    tp.register(app)
    with app.app_context():
        keys.ensure_keys()
    stop = threading.Event()
    launch_failures, launches = [], []

    def launch_stream():
        client = app.test_client()
        i = 0
        while not stop.is_set():
            resp, _, _ = tp.launch(client, sub=f"student-{i % 5}")
            (launches if resp.status_code == 303 else launch_failures).append(resp.status_code)
            i += 1

    def token_stream():
        with app.app_context():
            platform = db.session.execute(db.select(Platform).filter_by(issuer=tp.issuer)).scalar_one()
            n = 0
            while not stop.is_set():
                n += 1  # each score a second later than the last, as the platform requires
                ags.TenantServiceConnector.forget()  # a fresh token request every time
                result = ags.post_score(platform, tp.lineitem(), [ags.SCORE_SCOPE],
                                        {"userId": "student-1", "scoreGiven": 1, "scoreMaximum": 1,
                                         "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                                         "timestamp": (datetime(2026, 12, 3, tzinfo=timezone.utc) + timedelta(seconds=n)).isoformat()})
                if not result.ok:
                    tp.failures.append(f"post: {result.status} {result.error}")
                db.session.remove()

    threads = [threading.Thread(target=launch_stream), threading.Thread(target=token_stream)]
    try:
        for t in threads:
            t.start()
        with app.app_context():
            for _ in range(ROUNDS):
                time.sleep(1.0)  # longer than the platform's JWKS cache
                keys.rotate_key()
                db.session.remove()
            time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        tp.server.stop()
        tool.stop()
    assert launch_failures == [] and tp.failures == []
    assert len(launches) >= ROUNDS and tp.verified >= ROUNDS
    assert len(tp.kids) >= 3, "token requests were signed by several keys in turn"
