"""Admin pages: sign-in, platforms and deployments, registration links, keys.

Every route but the sign-in page requires a signed-in admin (created with `rapport admin
create-user`). Forms use Flask-WTF's CSRF token; the sign-in is rate limited per address
(rate_limits.py) and per account (services/admins.py)."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for

from ..extensions import csrf
from ..forms.admin import (GRACE_CHOICES, ActionForm, DeploymentForm, InviteForm, LoginForm, NewPlatformForm,
                           PlatformForm, RotateKeysForm)
from ..lti import keys as tool_keys
from ..lti.registration import tool_urls
from ..services import admins, platforms, registrations
from ..services.admins import AdminError
from ..services.platforms import PlatformError

bp = Blueprint("admin", __name__, url_prefix="/admin")
# CSRF is checked in require_admin, after the sign-in check: a stranger is sent to the sign-in page.
csrf.exempt(bp)
PLATFORM_FIELDS = ("name", "issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url", "auth_audience")


@bp.before_request
def require_admin():
    g.admin = admins.user_for_session(session.get("admin_id"), session.get("admin_marker"))
    if g.admin is not None or request.endpoint == "admin.login":
        if request.method == "POST":
            csrf.protect()
        return None
    session.pop("admin_id", None)
    return redirect(url_for("admin.login", next=request.path if request.method == "GET" else None))


@bp.after_request
def no_store(resp):
    resp.headers["Cache-Control"] = "no-store"
    # Admin pages are never framed (registration pages, which are, live under /lti/register).
    resp.headers.setdefault("X-Frame-Options", "DENY")
    if "Content-Security-Policy" not in resp.headers and (resp.mimetype or "").startswith("text/html"):
        from ..security import content_security_policy
        policy = content_security_policy(True)
        start = policy.index("frame-ancestors ")
        resp.headers["Content-Security-Policy"] = policy[:start] + "frame-ancestors 'none'"
    return resp


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.admin is not None:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = admins.authenticate(form.username.data, form.password.data)
        except AdminError as exc:
            error = exc.message
        else:
            session.clear()  # a fresh session: nothing from before sign-in carries over
            session.permanent = True
            session["admin_id"], session["admin_marker"] = user.id, admins.session_marker(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
    elif request.method == "POST":
        error = "Enter your username and password."
    status = 401 if error else 200
    return render_template("admin/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        session.clear()
    return redirect(url_for("admin.login"), code=303)


@bp.get("/")
def index():
    base = current_app.config["BASE_URL"]
    return render_template("admin/index.html", platforms=platforms.all_platforms(), urls=tool_urls(base),
                           base_url=base, action=ActionForm(), key_states=tool_keys.key_states(),
                           moodle_port_note=_nonstandard_port(base))


def _nonstandard_port(base: str) -> int | None:
    parts = urlsplit(base)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return port if port not in (80, 443) else None


def _all_errors(form) -> None:
    """On a refused form, show the service's verdict on every field, not only the missing ones."""
    values = {f: getattr(form, f).data for f in ("issuer", "client_id", *platforms.URL_FIELDS)
              if getattr(form, f).data}
    for name, message in platforms.field_errors(values).items():
        field = getattr(form, name)
        if message not in field.errors:
            field.errors = list(field.errors) + [message]


def _apply_errors(form, exc: PlatformError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.route("/platforms/new", methods=["GET", "POST"])
def platform_new():
    form = NewPlatformForm()
    if form.validate_on_submit():
        deployment_ids = [line.strip() for line in (form.deployment_ids.data or "").splitlines() if line.strip()]
        try:
            p, _ = platforms.register(**{f: (getattr(form, f).data or None) if f in ("name", "auth_audience")
                                          else getattr(form, f).data for f in PLATFORM_FIELDS},
                                      deployment_ids=deployment_ids, source="admin",
                                      auto_accept_deployments=form.auto_accept_deployments.data)
        except PlatformError as exc:
            if exc.field == "deployment_id":
                form.deployment_ids.errors = [exc.message]
            else:
                _apply_errors(form, exc)
        else:
            flash(f"Platform {p.name or p.issuer} registered.")
            return redirect(url_for("admin.platform_detail", platform_id=p.id), code=303)
    if request.method == "POST":
        _all_errors(form)
    return render_template("admin/platform_new.html", form=form, urls=tool_urls(current_app.config["BASE_URL"])), \
        (400 if request.method == "POST" else 200)


def _platform_or_404(platform_id: int):
    try:
        return platforms.get(platform_id)
    except PlatformError:
        abort(404, "There is no such platform.")


@bp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
def platform_detail(platform_id):
    p = _platform_or_404(platform_id)
    form = PlatformForm(obj=p)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                platforms.update(p.id, **{f: getattr(form, f).data or ("" if f in ("name", "auth_audience") else None)
                                          for f in PLATFORM_FIELDS},
                                 auto_accept_deployments=form.auto_accept_deployments.data)
            except PlatformError as exc:
                _apply_errors(form, exc)
            else:
                flash("Changes saved.")
                return redirect(url_for("admin.platform_detail", platform_id=p.id), code=303)
        _all_errors(form)
        status = 400
    return render_template("admin/platform.html", p=p, form=form, deployment_form=DeploymentForm(prefix="dep"),
                           action=ActionForm(), attempts=platforms.attempt_count(p)), status


@bp.post("/platforms/<int:platform_id>/enabled")
def platform_enabled(platform_id):
    p = _platform_or_404(platform_id)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    enable = request.form.get("enabled") == "1"
    platforms.set_enabled(p.id, enable)
    flash(f"{p.name or p.issuer} {'enabled' if enable else 'disabled'}.")
    return redirect(url_for("admin.platform_detail", platform_id=p.id), code=303)


@bp.post("/platforms/<int:platform_id>/deployments")
def deployment_add(platform_id):
    p = _platform_or_404(platform_id)
    form = DeploymentForm(prefix="dep")
    if form.validate_on_submit():
        try:
            platforms.update(p.id, add_deployment_ids=[form.deployment_id.data], source="admin")
        except PlatformError as exc:
            form.deployment_id.errors = [exc.message]
        else:
            flash(f"Deployment {form.deployment_id.data} added.")
            return redirect(url_for("admin.platform_detail", platform_id=p.id), code=303)
    return render_template("admin/platform.html", p=p, form=PlatformForm(obj=p), deployment_form=form,
                           action=ActionForm(), attempts=platforms.attempt_count(p)), 400


@bp.post("/platforms/<int:platform_id>/deployments/enabled")
def deployment_enabled(platform_id):
    p = _platform_or_404(platform_id)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    enable = request.form.get("enabled") == "1"
    dep = request.form.get("deployment_id", "")
    try:
        platforms.set_deployment_enabled(p.id, dep, enable)
    except PlatformError as exc:
        abort(404, exc.message)
    flash(f"Deployment {dep} {'enabled' if enable else 'disabled'}.")
    return redirect(url_for("admin.platform_detail", platform_id=p.id), code=303)


@bp.route("/registration-links", methods=["GET", "POST"])
def registration_links():
    form = InviteForm()
    new_link = None
    if form.validate_on_submit():
        invite, token = registrations.create_invite(form.note.data, g.admin.username)
        new_link = f"{current_app.config['BASE_URL']}/lti/register/{token}"
    return render_template("admin/links.html", form=form, new_link=new_link, invites=registrations.open_invites(),
                           action=ActionForm(), now=registrations.utcnow())


@bp.post("/registration-links/<int:invite_id>/revoke")
def registration_link_revoke(invite_id):
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    registrations.revoke_invite(invite_id)
    flash("Registration link revoked.")
    return redirect(url_for("admin.registration_links"), code=303)


@bp.route("/keys", methods=["GET", "POST"])
def keys():
    form = RotateKeysForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400, "The form expired; reload the page and try again.")
            abort(400, "Choose how long the old key stays published from the list.")
        hours = int(form.grace_hours.data)
        key = tool_keys.rotate_key(timedelta(hours=hours))
        label = dict(GRACE_CHOICES)[form.grace_hours.data].split(" (")[0]
        flash(f"Key {key.kid} now signs. The previous key stays published for {label}.")
        return redirect(url_for("admin.keys"), code=303)
    return render_template("admin/keys.html", key_states=tool_keys.key_states(), action=form,
                           jwks_url=tool_urls(current_app.config["BASE_URL"])["jwks"])
