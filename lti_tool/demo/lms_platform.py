"""The practice LMS's LTI side, on lti1p3platform: its course, users and registration, the
gradebook it keeps, and the adapters that plug Flask into the library (login, launch, AGS).
The Flask routes that use them are in platform.py."""
from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import redirect
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
_M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
USERS = {
    "student": {"sub": "student-1", "name": "Sam Student", "email": "sam.student@example.invalid",
                "roles": [_M + "Learner"]},
    "instructor": {"sub": "instructor-1", "name": "Iris Instructor", "email": "iris@example.invalid",
                   "roles": [_M + "Instructor"]},
    "student2": {"sub": "student-2", "name": "Ana Alvarez", "email": "ana.alvarez@example.invalid",
                 "roles": [_M + "Learner"]},
    # Like a privacy setting that withholds names from launches: the roster (NRPS) still has it.
    "student3": {"sub": "student-3", "name": None, "roster_name": "Ben Okafor", "email": None,
                 "roles": [_M + "Learner"]},
    "student4": {"sub": "student-4", "name": "Chloe Chen", "email": "chloe.chen@example.invalid",
                 "roles": [_M + "Learner"]},
    "ta": {"sub": "ta-1", "name": "Tomas Assistant", "email": "tomas@example.invalid",
           "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant", _M + "Instructor"]},
}
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_PAGE = 2  # small pages, so the tool must follow Link: rel="next"
DL_RESPONSE = "LtiDeepLinkingResponse"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


def new_keypair() -> tuple[str, str]:
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
    # Activities in the course: resource link id -> title, line item, custom parameters.
    activities: dict = field(default_factory=dict)
    # Every deep-linking response as the platform decoded it (claims), and the refusals.
    deep_link_responses: list = field(default_factory=list)
    deep_link_errors: list = field(default_factory=list)
    nrps_requests: list = field(default_factory=list)
    # "Take the gradebook offline": token and score requests get a proxy's 503 page, as in an
    # LMS outage, so the demo (and tests) can show grades waiting and then arriving by themselves.
    offline: bool = False

    def latest(self, lineitem: str | None = None) -> dict:
        with self.lock:
            out = {}
            for s in self.scores:
                if lineitem is None or str(s["lineitem"]) == str(lineitem):
                    out[s["score"]["userId"]] = s
            return out


class FlaskRequest(Request):
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


class PracticeLogin(OIDCLoginAbstract):
    # Like Canvas's lti_storage_target: the frame that answers lti.put_data / lti.get_data
    # (here the course page itself, "_parent"); None sends no storage target.
    storage_target: str | None = None

    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        if self.storage_target:
            url += ("&" if "?" in url else "?") + urlencode({"lti_storage_target": self.storage_target})
        return redirect(url)


class PracticeLaunch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        fields = "".join(f'<input type="hidden" name="{k}" value="{html.escape(str(v))}">'
                         for k, v in launch_data.items() if k != "launch_url")
        return (f'<!doctype html><html lang="en"><head><title>Launching…</title></head><body>'
                f'<form id="lti" method="post" action="{html.escape(launch_data["launch_url"])}">{fields}'
                f'<noscript><button type="submit">Continue to the tool</button></noscript></form>'
                f'<script>document.getElementById("lti").submit();</script></body></html>')


class PracticeAgs(AssignmentsGradesService):
    def __init__(self, *a, gradebook: Gradebook, **kw):
        super().__init__(*a, **kw)
        self.gradebook = gradebook

    def find_lineitems(self, page=1, limit=None, line_item_id=None, resource_link_id=None, resource_id=None, tag=None, **kw):
        return {"content": [self.find_lineitem(a["lineitem_id"]) for a in self.gradebook.activities.values()],
                "has_next": False}

    def find_lineitem(self, line_item_id):
        from lti1p3platform.exceptions import LineItemNotFoundException
        for link_id, a in self.gradebook.activities.items():
            if a["lineitem_id"] == str(line_item_id):
                return {"id": a["lineitem_url"], "scoreMaximum": a["score_maximum"], "label": a["label"],
                        "resourceId": a.get("resource_id", ""), "tag": a.get("tag", ""), "resourceLinkId": link_id}
        raise LineItemNotFoundException

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
            prior = [s for s in self.gradebook.scores if s["score"].get("userId") == (score or {}).get("userId")
                     and str(s["lineitem"]) == str(line_item_id)]
            if prior and score and whole_seconds(score.get("timestamp")) <= whole_seconds(prior[-1]["score"].get("timestamp")):
                self.gradebook.rejected.append(dict(entry, status=409))
                return UpdateScoreStatus.OLD_TIMESTAMP
            self.gradebook.scores.append(entry)
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None, **kw):
        latest = self.gradebook.latest(line_item_id)
        return {"content": [{"userId": u, "resultScore": s["score"]["scoreGiven"],
                             "resultMaximum": s["score"]["scoreMaximum"]} for u, s in latest.items()],
                "has_next": False}


def whole_seconds(value) -> int:
    """Whole seconds, as Moodle compares them."""
    try:
        return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return -1
