"""LTI Dynamic Registration (/lti/register/<link>) and the Canvas developer-key JSON (/lti/canvas.json).

A platform admin opens the registration link (made on /admin, single use) from Moodle or Canvas.
The page runs inside the platform's frame, where third-party cookies are blocked: the confirm
form carries a signed, short-lived copy of the validated configuration instead of a session,
and the secret link itself is what authorizes it."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import csrf
from ..lti import registration as dr
from ..security import content_security_policy
from ..services import registrations
from ..services.platforms import PlatformError

bp = Blueprint("registration", __name__, url_prefix="/lti")
CONFIRM_MAX_AGE = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rapport-dynamic-registration")


def _page(template: str, status: int = 200, framed_by: str | None = None, **ctx):
    """Render; the platform that opened us may frame this page (it is not registered yet)."""
    resp = current_app.make_response((render_template(template, **ctx), status))
    policy = content_security_policy(True)
    if framed_by:
        try:
            extra = dr.origin(framed_by)
        except ValueError:
            extra = None
        if extra and extra.startswith(("https://", "http://")) and " " not in extra and ";" not in extra:
            policy = policy.replace("frame-ancestors ", f"frame-ancestors {extra} ", 1)
    resp.headers["Content-Security-Policy"] = policy
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _problem(message: str, status: int, framed_by: str | None):
    return _page("admin/register_problem.html", status, framed_by, message=message)


@bp.get("/register/<token>")
def register_start(token):
    config_url = request.args.get("openid_configuration", "")
    registration_token = request.args.get("registration_token") or None
    try:
        registrations.valid_invite(token)
    except registrations.InviteError as exc:
        return _problem(exc.message, 403, config_url)
    if not config_url:
        return _page("admin/register_start.html", urls=dr.tool_urls(current_app.config["BASE_URL"]),
                     link=request.base_url)
    try:
        config = dr.validate_configuration(config_url, dr.fetch_configuration(config_url, registration_token))
    except dr.RegistrationError as exc:
        return _problem(exc.message, 502, config_url)
    body = dr.registration_request(current_app.config["BASE_URL"], config)
    payload = _serializer().dumps({"t": token, "c": config.as_dict(), "rt": registration_token})
    return _page("admin/register_confirm.html", framed_by=config_url, config=config, body=body, payload=payload,
                 scopes=dr.SCOPES, unsupported=config.unsupported_scopes(),
                 urls=dr.tool_urls(current_app.config["BASE_URL"]))


@bp.post("/register/<token>")
@csrf.exempt  # cross-site frame without cookies: the signed payload and the secret link stand in
def register_confirm(token):
    try:
        data = _serializer().loads(request.form.get("payload", ""), max_age=CONFIRM_MAX_AGE)
    except BadSignature:
        return _problem("This confirmation has expired or was altered. Start the registration again from the "
                        "platform.", 400, None)
    config = dr.PlatformConfiguration(**data["c"])
    if data.get("t") != token:
        return _problem("This confirmation belongs to another registration link.", 400, config.configuration_url)
    try:
        registrations.valid_invite(token)
        body = dr.registration_request(current_app.config["BASE_URL"], config)
        result = dr.register(config, data.get("rt"), body)
        platform, created = registrations.complete_dynamic_registration(token, config, result)
    except (registrations.InviteError, dr.RegistrationError, PlatformError) as exc:
        return _problem(exc.message, 400 if isinstance(exc, PlatformError) else 502 if isinstance(
            exc, dr.RegistrationError) else 403, config.configuration_url)
    return _page("admin/register_done.html", framed_by=config.configuration_url, config=config, platform=platform,
                 created=created, result=result)


@bp.get("/canvas.json")
def canvas_json():
    """Paste into Canvas: Admin > Developer Keys > + Developer Key > + LTI Key > Method: Paste JSON."""
    return jsonify(dr.canvas_developer_key(current_app.config["BASE_URL"]))
