"""An in-test LTI platform: signs id_tokens with its own key and serves JWKS, token and AGS over real HTTP."""
from __future__ import annotations

import json
import threading
import time
import uuid
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request
from jwcrypto.jwk import JWK
from werkzeug.serving import make_server

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def _seconds(value) -> int:
    from datetime import datetime
    return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())


def new_key(kid=None):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = JWK.from_pyca(key.public_key())
    pub = json.loads(jwk.export_public())
    pub.update(kid=kid or uuid.uuid4().hex, alg="RS256", use="sig")
    return key, pub


class ServerThread:
    def __init__(self, app, host="127.0.0.1"):
        self.server = make_server(host, 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


class TestPlatform:
    """Issuer, client_id and deployment of a fake LMS, with a live JWKS/token/AGS server."""

    __test__ = False

    def __init__(self, issuer="https://lms.test", client_id="client-1", deployment_id="dep-1"):
        self.issuer, self.client_id, self.deployment_id = issuer, client_id, deployment_id
        self.key, self.jwk = new_key()
        self.jwks = {"keys": [self.jwk]}
        self.scores: list[dict] = []
        self.score_status = [200]  # status codes to answer, in turn; last one repeats
        self.token_requests: list[dict] = []
        # Moodle's gradebook: the stored score per (line item, user), and its rule that a
        # score must carry a timestamp later, to the second, than the stored one (else 409).
        self.gradebook: dict[tuple[str, str], dict] = {}
        self.accepted: list[dict] = []  # every score stored, in order
        self.down = False  # answer everything with a proxy's 502 page, as during an outage
        self.token_status: int | None = None  # e.g. 404: Moodle could not fetch the tool's keys
        self.after_store = None  # callable(score body), run after storing, before answering
        self.lineitems: list[dict] = []  # the container (GET/POST /lineitems)
        self.lineitem_posts: list[dict] = []
        # NRPS: members as the platform sends them; page_size None answers in one page with no
        # Link header (Moodle), a number pages with Link: rel="next" (Canvas).
        self.members: list[dict] = []
        self.members_page_size: int | None = None
        self.members_requests: list[str] = []
        self.score_maximum: dict[str, float] = {}  # line item id -> scoreMaximum (GET lineitem)
        self.jwks_fetches = 0  # GET /jwks served
        app = Flask("test_platform")

        def outage():
            page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
            return page, 502, {"Content-Type": "text/html"}

        @app.get("/jwks")
        def jwks():
            self.jwks_fetches += 1
            return jsonify(self.jwks)

        @app.post("/token")
        def token():
            if self.down:
                return outage()
            self.token_requests.append(request.form.to_dict())
            if self.token_status:
                page = ("<!DOCTYPE html>\n<html dir=\"ltr\" lang=\"en\"><head><title>Error | Moodle</title></head>"
                        "<body><p>invalid_client</p></body></html>")
                return page, self.token_status, {"Content-Type": "text/html; charset=utf-8"}
            body = json.dumps({"access_token": "tok-" + uuid.uuid4().hex, "token_type": "bearer",
                               "expires_in": 3600, "scope": request.form.get("scope")})
            return body, 200, {"Content-Type": "text/html; charset=utf-8"}  # Moodle's token.php does this

        @app.post("/lineitems/<lid>/lineitem/scores")
        def scores(lid):
            if self.down:
                return outage()
            status = self.score_status.pop(0) if len(self.score_status) > 1 else self.score_status[0]
            body = request.get_json(force=True)
            self.scores.append({"lineitem": lid, "status": status, "query": request.query_string.decode(), "content_type": request.content_type,
                                "auth": request.headers.get("Authorization"), "body": body})
            headers = {"Retry-After": "1"} if status in (429, 503) else {}
            if status >= 300:
                return "[]", status, headers
            key = (lid, str(body.get("userId")))
            stamp = _seconds(body.get("timestamp"))
            prior = self.gradebook.get(key)
            if prior is not None and stamp <= prior["stamp"]:
                self.scores[-1]["status"] = 409
                return "[]", f"409 Refusing score with an earlier timestamp for item {lid} and user {key[1]}"
            self.gradebook[key] = {"stamp": stamp, "score": body}
            self.accepted.append(body)
            if self.after_store:
                self.after_store(body)
            return "", 200, headers

        @app.get("/lineitems")
        def lineitems():
            # Pages of two, linked by a Link header, as Canvas pages its containers.
            page = int(request.args.get("page", "1"))
            items = self.lineitems[(page - 1) * 2: page * 2]
            headers = {"Content-Type": "application/vnd.ims.lis.v2.lineitemcontainer+json"}
            if len(self.lineitems) > page * 2:
                headers["Link"] = f'<{self.url}/lineitems?page={page + 1}>; rel="next"'
            return json.dumps(items), 200, headers

        @app.post("/lineitems")
        def create_lineitem():
            if self.down:
                return outage()
            body = request.get_json(force=True)
            self.lineitem_posts.append(body)
            item = dict(body, id=self.lineitem(str(100 + len(self.lineitems))))
            self.lineitems.append(item)
            return json.dumps(item), 201, {"Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}

        @app.get("/lineitems/<lid>/lineitem/results")
        def results(lid):
            if self.down:
                return outage()
            out = [{"userId": user, "resultScore": v["score"]["scoreGiven"], "resultMaximum": v["score"]["scoreMaximum"],
                    "timestamp": v["score"]["timestamp"]} for (l, user), v in self.gradebook.items() if l == lid]
            return jsonify(out), 200, {"Content-Type": "application/vnd.ims.lis.v2.resultcontainer+json"}

        @app.get("/memberships")
        def memberships():
            if self.down:
                return outage()
            self.members_requests.append(request.full_path)
            if not (request.headers.get("Authorization") or "").startswith("Bearer "):
                return "[]", 401
            size = self.members_page_size
            page = int(request.args.get("page", 1))
            members = self.members if size is None else self.members[(page - 1) * size: page * size]
            body = {"id": self.memberships_url, "context": {"id": "course-1", "title": "Mental health nursing"},
                    "members": members}
            headers = {"Content-Type": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"}
            if size is not None and page * size < len(self.members):
                headers["Link"] = f'<{self.memberships_url}?page={page + 1}>; rel="next"'
            return json.dumps(body), 200, headers

        @app.get("/lineitems/<lid>/lineitem")
        def lineitem(lid):
            if self.down:
                return outage()
            created = next((i for i in self.lineitems if i.get("id") == self.lineitem(lid)), None)
            if created is not None and lid not in self.score_maximum:
                return json.dumps(created), 200, {"Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}
            if lid not in self.score_maximum:
                return "[]", 404
            body = {"id": self.lineitem(lid), "label": "Alliance quiz", "scoreMaximum": self.score_maximum[lid],
                    "resourceId": "", "tag": "", "resourceLinkId": "link-1", "ltiLinkId": "1"}  # Moodle's extras
            return json.dumps(body), 200, {"Content-Type": "application/vnd.ims.lis.v2.lineitem+json"}

        self.server = ServerThread(app)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.memberships_url = self.url + "/memberships"

    def register(self, app):
        from lti_tool.services import platforms
        with app.app_context():
            platforms.register(issuer=self.issuer, client_id=self.client_id, auth_login_url=self.issuer + "/auth",
                               auth_token_url=self.url + "/token", key_set_url=self.url + "/jwks",
                               deployment_ids=[self.deployment_id])

    def lineitem(self, lid="7"):
        return f"{self.url}/lineitems/{lid}/lineitem"

    def claims(self, nonce, *, sub="student-1", roles=(LEARNER,), context_id="course-1", link_id="link-1",
               lineitem=True, **extra):
        now = int(time.time())
        c = {
            "iss": self.issuer, "aud": self.client_id, "azp": self.client_id, "sub": sub,
            "iat": now, "exp": now + 60, "nonce": nonce, "name": f"User {sub}",
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": "http://tool.test/lti/launch",
            LTI + "roles": list(roles),
            LTI + "context": {"id": context_id, "title": "Mental health nursing", "label": "NURS 240"},
            LTI + "resource_link": {"id": link_id, "title": "Alliance quiz"},
        }
        if lineitem:
            c[AGS] = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score",
                                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"],
                      "lineitem": self.lineitem(), "lineitems": self.url + "/lineitems"}
        c.update(extra)
        return {k: v for k, v in c.items() if v is not None}

    def container_only_ags(self):
        """An AGS claim with a line item container but no line item (a Canvas link outside an
        assignment, a Moodle link without a grade column): the tool finds or creates one."""
        return {AGS: {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"],
                      "lineitems": self.url + "/lineitems"}}

    def deep_link_claims(self, nonce, *, sub="teacher-1", roles=(INSTRUCTOR,), context_id="course-1",
                         settings=None, **extra):
        """An LtiDeepLinkingRequest shaped like Moodle's "Select content" (no data, lineitems only)."""
        c = self.claims(nonce, sub=sub, roles=roles, context_id=context_id, lineitem=False, **extra)
        c.pop(LTI + "resource_link", None)
        c[LTI + "message_type"] = "LtiDeepLinkingRequest"
        c[AGS] = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                            "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                  "lineitems": self.url + "/lineitems"}
        c[DL] = settings or {"accept_types": ["ltiResourceLink"], "accept_presentation_document_targets":
                             ["frame", "iframe", "window"], "accept_multiple": True, "auto_create": False,
                             "deep_link_return_url": "https://lms.test/mod/lti/contentitem_return.php?course=2&id=1",
                             "title": "Rapport", "text": ""}
        return c

    def deep_link(self, client, settings=None, claims_overrides=None, **kw):
        state, nonce = self.login(client, login_hint=kw.get("sub", "teacher-1"))
        claims = self.deep_link_claims(nonce, settings=settings, **kw)
        claims.update(claims_overrides or {})
        return client.post("/lti/launch", data={"id_token": self.sign(claims), "state": state})

    def sign(self, claims, key=None, kid=None):
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.jwk["kid"]})

    def login(self, client, **params):
        """Run the OIDC login; return (state, nonce) from Rapport's redirect to our auth URL."""
        q = {"iss": self.issuer, "login_hint": "student-1", "target_link_uri": "http://tool.test/lti/launch",
             "client_id": self.client_id, "lti_deployment_id": self.deployment_id}
        q.update(params)
        resp = client.post("/lti/login", data=q)
        assert resp.status_code == 302, resp.get_data(as_text=True)
        qs = parse_qs(urlparse(resp.headers["Location"]).query)
        return qs["state"][0], qs["nonce"][0]

    def launch(self, client, claims_overrides=None, token=None, **claim_kwargs):
        state, nonce = self.login(client, login_hint=claim_kwargs.get("sub", "student-1"))
        claims = self.claims(nonce, **claim_kwargs)
        claims.update(claims_overrides or {})
        id_token = token or self.sign(claims)
        return client.post("/lti/launch", data={"id_token": id_token, "state": state}), id_token, state
