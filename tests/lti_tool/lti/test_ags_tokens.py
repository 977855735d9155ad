"""AGS access tokens are cached per (issuer, client_id, scopes): Canvas tenants share one issuer."""
from lti_tool.extensions import db
from lti_tool.lti.ags import SCORE_SCOPE, TenantServiceConnector, post_score
from lti_tool.models import Platform
from tests.support.platform import TestPlatform

SCORE = {"userId": "u", "scoreGiven": 1, "scoreMaximum": 1, "timestamp": "2026-01-01T00:00:00Z",
         "activityProgress": "Completed", "gradingProgress": "FullyGraded"}


def test_two_client_ids_of_one_issuer_get_their_own_tokens(app):
    a = TestPlatform(issuer="https://canvas.instructure.com", client_id="1700001")
    b = TestPlatform(issuer="https://canvas.instructure.com", client_id="1700002")
    try:
        a.register(app)
        b.register(app)
        TenantServiceConnector.forget()
        with app.app_context():
            pa = db.session.execute(db.select(Platform).filter_by(client_id="1700001")).scalar_one()
            pb = db.session.execute(db.select(Platform).filter_by(client_id="1700002")).scalar_one()
            for i in range(2):  # later timestamps: the double refuses a score not newer than the stored one
                score = dict(SCORE, timestamp=f"2026-01-01T00:00:0{i}Z")
                assert post_score(pa, a.lineitem(), [SCORE_SCOPE], score).ok
                assert post_score(pb, b.lineitem(), [SCORE_SCOPE], score).ok
        # one token request each (cached after), and each tenant used its own token
        assert len(a.token_requests) == 1 and len(b.token_requests) == 1
        assert {s["auth"] for s in a.scores}.isdisjoint({s["auth"] for s in b.scores})
        # the client assertion names the right client
        import jwt
        claims = jwt.decode(b.token_requests[0]["client_assertion"], options={"verify_signature": False})
        assert claims["iss"] == claims["sub"] == "1700002"
    finally:
        a.server.stop()
        b.server.stop()
