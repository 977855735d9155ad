"""A practice LMS built on lti1p3platform (a platform implementation none of us wrote).

Used by `rapport demo` and by the walkthrough tests. It signs its own id_tokens, serves
its own JWKS and token endpoint, and keeps the scores it receives on its AGS endpoint.
Like Moodle, it wants the score media type and answers 409 to a timestamp that is not
later, to the second, than the last one for that user.
"""
from __future__ import annotations

import html
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response as FlaskResponse, redirect, request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService

CLIENT_ID = "rapport-practice"
DEPLOYMENT_ID = "practice-deployment-1"
COURSE = {"id": "NURS-240", "title": "Mental Health Nursing (practice course)", "label": "NURS 240"}
LINK = {"id": "rl-alliance-1", "title": "Therapeutic alliance practice set"}
LINEITEM_ID = "1"
USERS = {
    "student": {"sub": "student-1", "name": "Sam Student", "email": "sam.student@example.invalid",
                "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]},
    "instructor": {"sub": "instructor-1", "name": "Iris Instructor", "email": "iris@example.invalid",
                   "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]},
}
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def _keypair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return priv, pub


@dataclass
class Gradebook:
    """Scores as received, with what the tool sent (headers too) so tests can assert on it."""

    scores: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # "Take the gradebook offline": token and score requests get a proxy's 503 page, as in an
    # LMS outage, so the demo (and tests) can show grades waiting and then arriving by themselves.
    offline: bool = False

    def latest(self) -> dict:
        with self.lock:
            out = {}
            for s in self.scores:
                out[s["score"]["userId"]] = s
            return out


class _Req(Request):
    def build_metadata(self, req):
        return {"method": req.method, "form_data": req.form.to_dict(), "get_data": req.args.to_dict(),
                "headers": dict(req.headers), "content_type": req.content_type, "path": req.path,
                "json": req.get_json(force=True, silent=True)}


class PracticePlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kw):
        self.lms_url, self.tool_url = kw["lms_url"], kw["tool_url"]
        self.private_key, self.public_key = kw["private_key"], kw["public_key"]

    def get_registration_by_params(self, **kwargs):
        reg = Registration()
        reg.set_iss(self.lms_url).set_client_id(CLIENT_ID).set_deployment_id(DEPLOYMENT_ID)
        reg.set_oidc_login_url(self.tool_url + "/lti/login").set_launch_url(self.tool_url + "/lti/launch")
        # lti1p3platform needs the deep-link launch URL set, even for plain launches.
        reg.set_deeplink_launch_url(self.tool_url + "/lti/launch")
        reg.set_tool_key_set_url(self.tool_url + "/lti/jwks")
        reg.set_platform_private_key(self.private_key).set_platform_public_key(self.public_key)
        return reg


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return redirect(url)


class _Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        fields = "".join(f'<input type="hidden" name="{k}" value="{html.escape(str(v))}">'
                         for k, v in launch_data.items() if k != "launch_url")
        return (f'<!doctype html><html lang="en"><head><title>Launching…</title></head><body>'
                f'<form id="lti" method="post" action="{html.escape(launch_data["launch_url"])}">{fields}'
                f'<noscript><button type="submit">Continue to the tool</button></noscript></form>'
                f'<script>document.getElementById("lti").submit();</script></body></html>')


class _Ags(AssignmentsGradesService):
    def __init__(self, *a, gradebook: Gradebook, **kw):
        super().__init__(*a, **kw)
        self.gradebook = gradebook

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None, tag=None, **kw):
        return {"content": [self.find_lineitem(LINEITEM_ID)], "has_next": False}

    def find_lineitem(self, line_item_id):
        return {"id": self.ags.lineitem_url, "scoreMaximum": 10, "label": LINK["title"],
                "resourceLinkId": LINK["id"]}

    def create_lineitem(self, creation_data):
        return dict(creation_data, id=self.ags.lineitem_url)

    def update_lineitem(self, update_data):
        return update_data

    def delete_lineitem(self, line_item_id):
        return None

    def update_score(self, line_item_id, score):
        entry = {"lineitem": line_item_id, "score": score, "content_type": self.request.content_type,
                 "received_at": datetime.utcnow().isoformat() + "Z"}
        with self.gradebook.lock:
            prior = [s for s in self.gradebook.scores if s["score"].get("userId") == (score or {}).get("userId")]
            if prior and score and _ts(score.get("timestamp")) <= _ts(prior[-1]["score"].get("timestamp")):
                self.gradebook.rejected.append(dict(entry, status=409))
                return UpdateScoreStatus.OLD_TIMESTAMP
            self.gradebook.scores.append(entry)
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None, **kw):
        latest = self.gradebook.latest()
        return {"content": [{"userId": u, "resultScore": s["score"]["scoreGiven"],
                             "resultMaximum": s["score"]["scoreMaximum"]} for u, s in latest.items()],
                "has_next": False}


def _ts(value) -> int:
    """Whole seconds, as Moodle compares them."""
    try:
        return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return -1


def create_lms(lms_url: str, tool_url: str) -> tuple[Flask, Gradebook]:
    """The practice LMS app. lms_url and tool_url should be different sites (localhost vs 127.0.0.1)."""
    priv, pub = _keypair()
    conf = PracticePlatformConf(lms_url=lms_url, tool_url=tool_url, private_key=priv, public_key=pub)
    gradebook = Gradebook()
    app = Flask("practice_lms")
    lineitem_url = f"{lms_url}/ags/lineitems/{LINEITEM_ID}/lineitem"
    lineitems_url = f"{lms_url}/ags/lineitems"

    def platform():
        p = PracticePlatformConf(lms_url=lms_url, tool_url=tool_url, private_key=priv, public_key=pub)
        p.get_registration()
        return p

    @app.get("/")
    def course():
        rows = "".join(f"<tr><th scope='row'>{html.escape(u)}</th><td>{s['score']['scoreGiven']:g} / "
                       f"{s['score']['scoreMaximum']:g}</td><td>{html.escape(s['score']['timestamp'])}</td></tr>"
                       for u, s in gradebook.latest().items())
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{COURSE["title"]}</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
                f'<header><h1>{COURSE["title"]}</h1><p>Practice LMS for the Rapport demo (lti1p3platform).</p></header>'
                f'<main><h2>{LINK["title"]}</h2>'
                f'<p><a id="launch-student" href="/launch/student" target="tool">Launch as student</a> | '
                f'<a id="launch-instructor" href="/launch/instructor" target="tool">Launch as instructor</a> | '
                f'<a href="/gradebook">Gradebook</a></p>'
                f'<iframe name="tool" id="tool" title="Rapport" style="width:100%;height:70vh;border:1px solid #888"'
                f' allow="clipboard-write"></iframe>'
                f'<h2>Gradebook</h2>'
                f'<form method="post" action="/gradebook/offline"><input type="hidden" name="offline" '
                f'value="{0 if gradebook.offline else 1}"><p>The gradebook is '
                f'<strong id="gradebook-state">{"offline (an outage)" if gradebook.offline else "online"}</strong>. '
                f'<button type="submit">{"Bring it back online" if gradebook.offline else "Take it offline"}</button>'
                f'</p></form><table><thead><tr><th>User</th><th>Score</th><th>Timestamp</th></tr></thead>'
                f'<tbody>{rows}</tbody></table></main></body></html>')

    @app.get("/launch/<role>")
    def launch(role):
        if role not in USERS:
            return ("unknown role", 404)
        login = _Login(_Req(request), platform())
        login.set_lti_message_hint(hint=role)
        return login.initiate_login(USERS[role]["sub"])

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        req = _Req(request)
        data = req.get_data or req.form_data
        role = data.get("lti_message_hint")
        user = next((u for u in USERS.values() if u["sub"] == data.get("login_hint")), None)
        if role not in USERS or user is None or USERS[role] is not user:
            return ("unknown user or message hint", 400)
        msg = _Launch(req, platform())
        msg._registration = msg._platform_config.get_registration()
        msg.set_user_data(user["sub"], user["roles"], user["name"], user["email"])
        msg.set_resource_link_claim(LINK["id"], title=LINK["title"])
        msg.set_launch_context_claim(COURSE["id"], ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
                                     COURSE["title"], COURSE["label"])
        msg.set_launch_presentation_claim("iframe", lms_url + "/")
        msg.set_ags(lineitems_url, lineitem_url, allow_creating_lineitems=True)
        msg.set_nrps(f"{lms_url}/nrps/memberships")
        return msg.lti_launch()

    @app.get("/jwks")
    def jwks():
        p = platform()
        return p.get_jwks()

    def outage():
        page = ("<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
                "<h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>")
        return FlaskResponse(page, status=503, content_type="text/html")

    @app.post("/token")
    def token():
        if gradebook.offline:
            return outage()
        p = platform()
        try:
            return p.get_access_token(request.form.to_dict())
        except Exception as exc:  # the library raises several types for a bad request
            return {"error": "invalid_client", "error_description": str(exc)}, 400

    @app.post("/ags/lineitems/<lid>/lineitem/scores")
    def scores(lid):
        if gradebook.offline:
            return outage()
        if request.content_type != SCORE_TYPE:
            gradebook.rejected.append({"status": 400, "content_type": request.content_type})
            return FlaskResponse("[]", status=400, content_type="application/json")
        svc = _Ags(_Req(request), platform(), lineitems_url, lineitem_url, gradebook=gradebook)
        resp = svc.handle_update_score(lid)
        return FlaskResponse("" if resp.code == 200 else "[]", status=resp.code)

    @app.get("/ags/lineitems/<lid>/lineitem/results")
    def results(lid):
        if gradebook.offline:
            return outage()
        body = [{"userId": u, "resultScore": s["score"]["scoreGiven"], "resultMaximum": s["score"]["scoreMaximum"],
                 "timestamp": s["score"]["timestamp"]} for u, s in gradebook.latest().items()]
        return FlaskResponse(json.dumps(body), content_type="application/vnd.ims.lis.v2.resultcontainer+json")

    @app.post("/gradebook/offline")
    def toggle_offline():
        gradebook.offline = request.form.get("offline") == "1"
        return redirect("/")

    @app.get("/gradebook")
    def gradebook_page():
        return {"scores": gradebook.scores, "rejected": gradebook.rejected}

    app.extensions["practice_conf"] = conf
    return app, gradebook


def registration_args(lms_url: str) -> dict:
    """What an admin would type into `rapport platform add` for this LMS."""
    return dict(issuer=lms_url, client_id=CLIENT_ID, auth_login_url=lms_url + "/authorize",
                auth_token_url=lms_url + "/token", key_set_url=lms_url + "/jwks", deployment_ids=[DEPLOYMENT_ID],
                name="Practice LMS")
