"""A practice LMS built on lti1p3platform (a platform implementation none of us wrote).

Used by `rapport demo` and by the walkthrough tests. It signs its own id_tokens, serves
its own JWKS and token endpoint, and keeps the scores it receives on its AGS endpoint.
Like Moodle, it wants the score media type and answers 409 to a timestamp that is not
later, to the second, than the last one for that user. These are its pages and endpoints;
its LTI side is in lms_platform.py.
"""
from __future__ import annotations

import html
import json

from flask import Flask, Response as FlaskResponse, redirect, request

from .lms_platform import (CLIENT_ID, COURSE, DEPLOYMENT_ID, LINK, NRPS_PAGE, NRPS_SCOPE, SCORE_TYPE, USERS,
                           FlaskRequest, Gradebook, PracticeAgs, PracticeLaunch, PracticeLogin,
                           PracticePlatformConf, new_keypair)


# As Canvas does: the tool frame may ask to be sized to its content (lti.frameResize) and to
# have the course page scrolled to its top (lti.scrollToTop); messages from any other origin
# are ignored. window.ltiMessages keeps what arrived, for the browser tests.
_FRAME_MESSAGES = """<script>
(function () {
  var tool = document.getElementById("tool");
  window.ltiMessages = [];
  window.addEventListener("message", function (ev) {
    if (ev.origin !== TOOL_ORIGIN || ev.source !== tool.contentWindow || !ev.data) return;
    window.ltiMessages.push({origin: ev.origin, subject: ev.data.subject, height: ev.data.height});
    if (ev.data.subject === "lti.frameResize" && ev.data.height > 0) {
      tool.style.height = Math.max(300, Math.min(ev.data.height, 20000)) + "px";
    } else if (ev.data.subject === "lti.scrollToTop") {
      window.scrollTo(0, tool.getBoundingClientRect().top + window.scrollY);
    }
  });
})();
</script>"""


def create_lms(lms_url: str, tool_url: str) -> tuple[Flask, Gradebook]:
    """The practice LMS app. lms_url and tool_url should be different sites (localhost vs 127.0.0.1)."""
    priv, pub = new_keypair()
    conf = PracticePlatformConf(lms_url=lms_url, tool_url=tool_url, private_key=priv, public_key=pub)
    gradebook = Gradebook()
    app = Flask("practice_lms")
    lineitems_url = f"{lms_url}/ags/lineitems"
    memberships_url = f"{lms_url}/nrps/memberships"
    tool_origin = "/".join(tool_url.split("/")[:3])

    def add_activity(link_id, title, score_maximum, custom=None, label=None, resource_id="", tag=""):
        lid = str(len(gradebook.activities) + 1)
        gradebook.activities[link_id] = {
            "title": title, "lineitem_id": lid, "lineitem_url": f"{lineitems_url}/{lid}/lineitem",
            "score_maximum": score_maximum, "label": label or title, "custom": dict(custom or {}),
            "resource_id": resource_id, "tag": tag}
        return gradebook.activities[link_id]

    # The course starts with one activity added by hand (no deep linking), as before.
    add_activity(LINK["id"], LINK["title"], 10)

    def platform():
        p = PracticePlatformConf(lms_url=lms_url, tool_url=tool_url, private_key=priv, public_key=pub)
        p.get_registration()
        return p

    def name_of(user):
        return user["name"] or user.get("roster_name") or user["sub"]

    def storage_mode(default: str = "target") -> str:
        mode = request.args.get("storage", default)
        return mode if mode in STORAGE_MODES else default

    def with_mode(url: str) -> str:
        # The course page's links always say which storage mode the launch uses; a launch URL
        # fetched without one (scripted HTTP clients, which run no JavaScript) uses none.
        return url + ("&" if "?" in url else "?") + f"storage={storage_mode()}"

    def storage_target() -> str | None:
        return "_parent" if storage_mode("off") in ("target", "forget", "broken") else None

    @app.get("/")
    def course():
        mode = storage_mode()
        blocks = []
        for n, (link_id, a) in enumerate(gradebook.activities.items()):
            latest = gradebook.latest(a["lineitem_id"])
            rows = "".join(f"<tr><th scope='row'>{html.escape(u)}</th><td>{s['score']['scoreGiven']:g} / "
                           f"{s['score']['scoreMaximum']:g}</td><td>{html.escape(s['score']['timestamp'])}</td></tr>"
                           for u, s in latest.items())
            if n == 0:  # the first activity keeps its short link names
                links = (f'<a id="launch-student" href="{with_mode("/launch/student")}" target="tool">Launch as student</a>'
                         f' | <a id="launch-instructor" href="{with_mode("/launch/instructor")}" target="tool">'
                         f'Launch as instructor</a>')
            else:
                links = (f'<a href="{html.escape(with_mode("/launch/instructor?link=" + link_id))}" target="tool">'
                         f'Open {html.escape(a["title"])} as the instructor</a>')
            others = " | ".join(f'<a href="{html.escape(with_mode(f"/launch/{k}?link={link_id}"))}" target="tool">Open '
                                f'{html.escape(a["title"]) + " " if n else ""}as {html.escape(name_of(u))}</a>'
                                for k, u in USERS.items() if k not in ("student", "instructor"))
            blocks.append((f'<section aria-labelledby="act-{n}"><h3 id="act-{n}">{html.escape(a["title"])}</h3>'
                           f'<p>{links} | {others}</p></section>',
                           f'<table><caption>Gradebook column: {html.escape(a["label"])} (out of {a["score_maximum"]:g})'
                           f'</caption><thead><tr><th scope="col">User</th><th scope="col">Score</th>'
                           f'<th scope="col">Timestamp</th></tr></thead><tbody>{rows}</tbody></table>'))
        # The first activity's "Launch as student" stays the page's first link (keyboard tests start there).
        launch_links = "".join(b for b, _ in blocks)
        tables = "".join(t for _, t in blocks)
        return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{COURSE["title"]}</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
                f'<header><h1>{COURSE["title"]}</h1><p>Practice LMS for the Rapport demo (lti1p3platform).</p></header>'
                f'<main><h2>Activities</h2>{launch_links}'
                f'<p><a id="add-activity" href="{with_mode("/deep-link")}" target="tool">Add a Rapport activity (deep linking)</a> | '
                f'<a href="/gradebook">Gradebook (JSON)</a></p>'
                f'<iframe name="tool" id="tool" title="Rapport" style="width:100%;height:70vh;border:1px solid #888"'
                f' allow="clipboard-write"></iframe>{_FRAME_MESSAGES.replace("TOOL_ORIGIN", json.dumps(tool_origin))}'
                f'<h2>Gradebook</h2>'
                f'<form method="post" action="/gradebook/offline"><input type="hidden" name="offline" '
                f'value="{0 if gradebook.offline else 1}"><p>The gradebook is '
                f'<strong id="gradebook-state">{"offline (an outage)" if gradebook.offline else "online"}</strong>. '
                f'<button type="submit">{"Bring it back online" if gradebook.offline else "Take it offline"}</button>'
                f'</p></form>{tables}</main>{storage_script(mode)}</body></html>')

    @app.get("/launch/<role>")
    def launch(role):
        if role not in USERS:
            return ("unknown role", 404)
        link_id = request.args.get("link", LINK["id"])
        if link_id not in gradebook.activities:
            return ("unknown activity", 404)
        login = PracticeLogin(FlaskRequest(request), platform())
        login.storage_target = storage_target()
        login.set_lti_message_hint(hint=json.dumps({"role": role, "link": link_id}))
        return login.initiate_login(USERS[role]["sub"])

    @app.get("/deep-link")
    def deep_link_start():
        """The instructor's "Add an activity": an LtiDeepLinkingRequest, as Moodle's "Select content"."""
        login = PracticeLogin(FlaskRequest(request), platform())
        login.storage_target = storage_target()
        login.set_lti_message_hint(hint=json.dumps({"role": "instructor", "deep_link": True}))
        return login.initiate_login(USERS["instructor"]["sub"])

    def _context(msg):
        msg.set_launch_context_claim(COURSE["id"], ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
                                     COURSE["title"], COURSE["label"])
        msg.set_nrps(memberships_url)

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        req = FlaskRequest(request)
        data = req.get_data or req.form_data
        try:
            hint = json.loads(data.get("lti_message_hint") or "")
        except ValueError:
            hint = {"role": data.get("lti_message_hint")}  # a bare role, as before
        role = hint.get("role") if isinstance(hint, dict) else None
        user = next((u for u in USERS.values() if u["sub"] == data.get("login_hint")), None)
        if role not in USERS or user is None or USERS[role] is not user:
            return ("unknown user or message hint", 400)
        msg = PracticeLaunch(req, platform())
        msg._registration = msg._platform_config.get_registration()
        msg.set_user_data(user["sub"], user["roles"], user["name"], user["email"])
        msg.set_launch_presentation_claim("iframe", lms_url + "/")
        _context(msg)
        if hint.get("deep_link"):
            # Like Moodle: only ltiResourceLink; AGS with lineitems but no lineitem. Unlike Moodle, a
            # `data` value to echo, so the tool's echo is checked on the way back.
            msg.set_dl(lms_url + "/deep-link/return", title="Rapport", accept_types={"ltiResourceLink"},
                       extra_data={"course": COURSE["id"], "opaque": "practice-lms-state-7"})
            msg.set_extra_claims({"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                          "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitems": lineitems_url}})
            return msg.lti_launch()
        link_id = hint.get("link") or LINK["id"]
        activity = gradebook.activities.get(link_id)
        if activity is None:
            return ("unknown activity", 400)
        msg.set_resource_link_claim(link_id, title=activity["title"])
        if activity["custom"]:
            msg.set_custom_parameters_claim(activity["custom"])
        msg.set_ags(lineitems_url, activity["lineitem_url"], allow_creating_lineitems=True)
        return msg.lti_launch()

    @app.post("/deep-link/return")
    def deep_link_return():
        """Validate the tool's signed LtiDeepLinkingResponse and add each resource link it returns."""
        import jwt as pyjwt
        p = platform()
        token = request.form.get("JWT", "")
        try:
            items = p.validate_deeplinking_resp({"JWT": token})
            claims = pyjwt.decode(token, options={"verify_signature": False})  # verified just above
        except Exception as exc:  # the library raises several types for a bad response
            gradebook.deep_link_errors.append(str(exc))
            return (f"<!doctype html><html lang='en'><head><title>Not added</title></head><body><main><h1>Not added</h1>"
                    f"<p>{html.escape(str(exc))}</p></main></body></html>", 400)
        problems = []
        if claims.get("iss") != CLIENT_ID:
            problems.append("iss is not the tool's client_id")
        if claims.get("aud") not in (lms_url, [lms_url]):
            problems.append("aud is not this platform")
        if claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id") != DEPLOYMENT_ID:
            problems.append("wrong deployment_id")
        if claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") != {"course": COURSE["id"], "opaque": "practice-lms-state-7"}:
            problems.append("data was not echoed")
        for item in items:
            if item.get("type") == "ltiResourceLink" and "lineItem" in item and "scoreMaximum" not in item["lineItem"]:
                problems.append("lineItem.scoreMaximum is a required field")  # as Canvas says
        if problems:
            gradebook.deep_link_errors.append("; ".join(problems))
            return (f"<!doctype html><html lang='en'><head><title>Not added</title></head><body><main><h1>Not added</h1>"
                    f"<p>{html.escape('; '.join(problems))}</p></main></body></html>", 400)
        gradebook.deep_link_responses.append(claims)
        added = []
        for item in items:
            li = item.get("lineItem") or {}
            link_id = f"rl-dl-{len(gradebook.activities) + 1}"
            add_activity(link_id, item.get("title") or "Rapport activity", float(li.get("scoreMaximum") or 100),
                         custom=item.get("custom"), label=li.get("label"), resource_id=li.get("resourceId", ""),
                         tag=li.get("tag", ""))
            added.append(item.get("title") or link_id)
        names = ", ".join(html.escape(a) for a in added)
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Activity added</title></head><body>"
                f"<main><h1>Activity added</h1><p id='added'>Added to {html.escape(COURSE['title'])}: {names}.</p>"
                f"<p><a href='/' target='_top'>Back to the course page</a></p></main></body></html>")

    def _bearer_ok(scopes) -> bool:
        auth = (request.headers.get("Authorization") or "").split()
        if len(auth) != 2 or auth[0].lower() != "bearer":
            return False
        try:
            return bool(platform().validate_token(auth[1], scopes))
        except Exception:  # an invalid or expired token
            return False

    @app.get("/nrps/memberships")
    def memberships():
        """Names and Role Provisioning: the course roster in pages of NRPS_PAGE, Link: rel="next"."""
        if not _bearer_ok([NRPS_SCOPE]):
            return FlaskResponse("[]", status=401, content_type="application/json")
        gradebook.nrps_requests.append(request.full_path)
        page = max(1, int(request.args.get("page", 1) or 1))
        everyone = list(USERS.values())
        chunk = everyone[(page - 1) * NRPS_PAGE: page * NRPS_PAGE]
        members = [{"user_id": u["sub"], "roles": u["roles"], "status": "Active",
                    **({"name": u["name"] or u.get("roster_name")} if (u["name"] or u.get("roster_name")) else {}),
                    **({"email": u["email"]} if u["email"] else {})} for u in chunk]
        body = {"id": memberships_url, "context": {"id": COURSE["id"], "label": COURSE["label"], "title": COURSE["title"]},
                "members": members}
        resp = FlaskResponse(json.dumps(body), content_type="application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
        if page * NRPS_PAGE < len(everyone):
            resp.headers["Link"] = f'<{memberships_url}?page={page + 1}>; rel="next"'
        return resp

    @app.get("/ags/lineitems/<lid>/lineitem")
    def get_lineitem(lid):
        if gradebook.offline:
            return outage()
        svc = PracticeAgs(FlaskRequest(request), platform(), lineitems_url, f"{lineitems_url}/{lid}/lineitem", gradebook=gradebook)
        resp = svc.handle_get_lineitem(lid)
        return FlaskResponse(json.dumps(resp.result) if resp.result is not None else "[]", status=resp.code,
                             content_type="application/vnd.ims.lis.v2.lineitem+json")

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
        svc = PracticeAgs(FlaskRequest(request), platform(), lineitems_url, f"{lineitems_url}/{lid}/lineitem", gradebook=gradebook)
        resp = svc.handle_update_score(lid)
        return FlaskResponse("" if resp.code == 200 else "[]", status=resp.code)

    @app.get("/ags/lineitems/<lid>/lineitem/results")
    def results(lid):
        if gradebook.offline:
            return outage()
        body = [{"userId": u, "resultScore": s["score"]["scoreGiven"], "resultMaximum": s["score"]["scoreMaximum"],
                 "timestamp": s["score"]["timestamp"]} for u, s in gradebook.latest(lid).items()]
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


# LTI Platform Storage on the course page (`/?storage=…`), as Canvas does it:
#   target  the login names lti_storage_target=_parent and the page answers (the default);
#   probe   no lti_storage_target, but the page answers lti.capabilities (the tool must ask);
#   off     no storage at all (Moodle 4.5): the tool falls back to its cookie;
#   forget  names the target but never has the tool's data, as if the launch were in another browser;
#   broken  names the target, stores, but answers every read with an error (the cookie must decide).
STORAGE_MODES = ("target", "probe", "off", "forget", "broken")


def storage_script(mode: str) -> str:
    """The platform side of "LTI Client Side postMessages": lti.capabilities, lti.put_data and
    lti.get_data from the tool's frame, kept per tool origin in this page. Every message it
    handles is logged in window.platformStorageLog (tests read it)."""
    return """<script>
(function () {
  "use strict";
  var mode = %s, store = {};
  window.platformStorageLog = [];
  window.addEventListener("message", function (e) {
    var frame = document.getElementById("tool"), d = e.data;
    if (!frame || e.source !== frame.contentWindow || !d || typeof d !== "object") return;
    if (["lti.capabilities", "lti.put_data", "lti.get_data"].indexOf(d.subject) < 0 || mode === "off") return;
    window.platformStorageLog.push({subject: d.subject, key: d.key || null, origin: e.origin});
    var reply = {subject: d.subject + ".response", message_id: d.message_id};
    if (!d.message_id) {
      reply.error = {code: "bad_request", message: "Missing required 'message_id' field"};
    } else if (d.subject === "lti.capabilities") {
      reply.supported_messages = [{subject: "lti.capabilities"}, {subject: "lti.put_data", frame: "_parent"},
                                  {subject: "lti.get_data", frame: "_parent"}];
    } else if (!d.key) {
      reply.error = {code: "bad_request", message: "Missing required 'key' field"};
    } else {
      var k = e.origin + "|" + d.key;
      reply.key = d.key;
      if (d.subject === "lti.put_data") {
        if (d.value === null || d.value === undefined) delete store[k]; else store[k] = String(d.value);
        if (d.value !== null && d.value !== undefined) reply.value = d.value;
      } else if (mode === "broken") {
        reply.error = {code: "error", message: "storage unavailable"};
      } else {
        reply.value = mode === "forget" || !(k in store) ? null : store[k];
      }
    }
    e.source.postMessage(reply, e.origin);
  });
})();
</script>""" % json.dumps(mode)


def registration_args(lms_url: str) -> dict:
    """What an admin would type into `rapport platform add` for this LMS."""
    return dict(issuer=lms_url, client_id=CLIENT_ID, auth_login_url=lms_url + "/authorize",
                auth_token_url=lms_url + "/token", key_set_url=lms_url + "/jwks", deployment_ids=[DEPLOYMENT_ID],
                name="Practice LMS")
