"""LTI endpoints: login, launch, JWKS. Views stay thin; lti/ and services/ do the work."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from ..extensions import csrf
from ..launch_token import COOKIE_PREFIX, LaunchToken, issue
from . import student
from .navigation import browser_request, go
from ..lti import LaunchError
from ..lti.errors import StorageCheckNeeded
from ..lti.keys import ensure_key, public_jwks
from ..lti.launch import validate_launch
from ..lti.tool_config import unverified_issuer_and_client
from ..lti.login import forget_state, login_redirect
from ..services import assignments, deep_links, registrations
from ..services.launches import open_launch

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.before_request
def cap_request_size():
    # Login and launch bodies are a few KB; anything near this cap is an attack, refused (413)
    # before the form is parsed.
    request.max_content_length = current_app.config["LTI_MAX_REQUEST_BYTES"]


def launch_url() -> str:
    return current_app.config["BASE_URL"] + "/lti/launch"


# The login parameters a probe page carries back (LTI 1.3 login initiation and Canvas's extras).
_LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id",
                 "canvas_environment", "canvas_region")


def _probe_first(params: dict) -> bool:
    """A login in an LMS frame that names no lti_storage_target: ask the LMS page whether it offers
    Platform Storage (lti.capabilities) before choosing. Only in frames (Sec-Fetch-Dest), only once."""
    return (current_app.config["LTI_STORAGE_PROBE_MS"] > 0 and not params.get("lti_storage_target")
            and params.get("rapport_probed") != "1" and request.headers.get("Sec-Fetch-Dest") == "iframe")


def _storage_login_page(storage):
    return current_app.make_response(render_template(
        "lti/storage_login.html", storage=storage, timeout_ms=current_app.config["LTI_STORAGE_TIMEOUT_MS"]))


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    params = request.values.to_dict()
    if _probe_first(params):
        carried = {k: params[k] for k in _LOGIN_PARAMS if params.get(k)}
        return render_template("lti/storage_probe.html", params=carried,
                               timeout_ms=current_app.config["LTI_STORAGE_PROBE_MS"])
    try:
        return login_redirect(launch_url(), current_app.config["LAUNCH_STATE_TTL"], params,
                              storage_page=_storage_login_page, cookies=request.cookies)
    except LaunchError as exc:
        registrations.note_launch_error(params.get("iss"), params.get("client_id"), exc.message)
        raise


@bp.post("/launch")
@csrf.exempt
def launch():
    conf = current_app.config
    try:
        data = validate_launch(request.form.to_dict(), tool_url=conf["BASE_URL"], jwks_ttl=conf["JWKS_CACHE_TTL"],
                               leeway=conf["JWT_LEEWAY_SECONDS"], refetch_interval=conf["JWKS_REFETCH_INTERVAL"])
    except StorageCheckNeeded as need:
        # The login stored its check in the LMS's storage: this page reads it back in this browser
        # and posts the launch again with it. Nothing is consumed or recorded until then.
        return render_template("lti/storage_launch.html", need=need, id_token=request.form.get("id_token"),
                               state=request.form.get("state"), timeout_ms=conf["LTI_STORAGE_TIMEOUT_MS"])
    except LaunchError as exc:
        registrations.note_launch_error(*unverified_issuer_and_client(request.form.get("id_token")), exc.message)
        raise
    return forget_state(_after_launch(data, conf), request.form["state"])


def _after_launch(data, conf):
    """Where a validated launch goes: deep linking, the staff pages or the student's attempt."""
    if data.message_type == "LtiDeepLinkingRequest":
        session = deep_links.begin(data)
        return redirect(url_for("instructor.deep_link_page", dl=deep_links.issue(session)), code=303)
    if data.message_type != "LtiResourceLinkRequest":
        raise LaunchError(f"Rapport does not handle {data.message_type or 'this kind of'} launch.")
    lc, attempt = open_launch(data, conf["ITEMS_PER_ATTEMPT"], conf["SECRET_KEY"])
    if lc.is_staff:
        token = issue(LaunchToken(lc.user.id, lc.context.id, lc.resource_link.id, None, "staff"))
        # A link nobody has set up opens the builder, not a default (once students are at work
        # on it, the results, with a banner that says it is not set up).
        target = "instructor.settings_page" if assignments.needs_setup(lc.assignment) else "instructor.overview"
        return redirect(url_for(target, lt=token), code=303)
    tok = LaunchToken(lc.user.id, lc.context.id, lc.resource_link.id, attempt.id, "learner")
    if browser_request():
        # The first page in this response (one request fewer for a class starting together); it
        # settles at its own URL, so a reload never replays the consumed id_token.
        return student.launch_page(tok, attempt.id)
    # Scripts and old browsers: a 303 to the attempt page with the token in its query.
    return go("student.attempt_page", tok, check=True, attempt_id=attempt.id)


@bp.get("/cookie-check")
def cookie_check():
    """Whether this browser sent back the launch cookie for ?link= (the hand-off page asks, to
    choose a plain GET over a form post). Says nothing else."""
    return jsonify(kept=f"{COOKIE_PREFIX}{request.args.get('link', '')}" in request.cookies)


@bp.get("/jwks")
def jwks():
    ensure_key()
    return jsonify(public_jwks())
