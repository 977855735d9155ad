"""Response hardening for every route: CSP with a per-request nonce, framing limited to the
registered platforms, HSTS, cookie flags, and launch tokens kept out of access logs."""
from __future__ import annotations

import os
import re
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, g, request
from werkzeug.serving import WSGIRequestHandler

from .extensions import db

# Canvas signs as canvas[.beta|.test].instructure.com but frames Rapport from each school's
# own host (esu.instructure.com); custom Canvas domains go in RAPPORT_FRAME_ANCESTORS.
CANVAS_ISSUERS = {"https://canvas.instructure.com", "https://canvas.beta.instructure.com",
                  "https://canvas.test.instructure.com"}
CANVAS_FRAMES = "https://*.instructure.com"
HSTS = "max-age=31536000; includeSubDomains"
# The registered platforms' origins, read at most this often per process (every HTML response
# needs them; registrations change a few times a year). A change made in this process applies
# at once; one made by another process (the CLI, another worker) within this many seconds.
FRAME_ORIGINS_TTL = 10.0
_frame_rows: dict = {}  # database -> (generation, read at, the platforms' origins)
_frame_generation = 0
_frame_lock = threading.Lock()
# Parts of a URL that carry the launch token; never written to a log.
_TOKEN_QUERY = re.compile(r"\?[^ \"]*")


def csp_nonce() -> str:
    """The nonce an inline <script nonce="{{ csp_nonce() }}"> must carry on this response."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{host}"


def frame_ancestors() -> list[str]:
    """'self', every registered platform's origin (issuer and login URL), plus configured extras."""
    from .services.rows import database_key
    key = database_key()
    with _frame_lock:
        hit = _frame_rows.get(key)
    if hit and hit[0] == _frame_generation and time.monotonic() - hit[1] < FRAME_ORIGINS_TTL:
        found = hit[2]
    else:
        generation = _frame_generation
        try:
            found = _platform_origins()
        except Exception:  # noqa: BLE001 - a down database must not turn every page into a 500
            db.session.rollback()
            found = frozenset({"'self'"})
        else:
            with _frame_lock:
                _frame_rows[key] = (generation, time.monotonic(), found)
    extra = current_app.config.get("FRAME_ANCESTORS") or ()
    return sorted(found.union(extra)) if extra else sorted(found)


def _platform_origins() -> frozenset[str]:
    from .models import Platform  # models import extensions; keep this module importable early
    found = {"'self'"}
    for issuer, login_url in db.session.execute(db.select(Platform.issuer, Platform.auth_login_url)).all():
        for url in (issuer, login_url):
            if (o := origin(url)) is not None:
                found.add(o)
        if (issuer or "").rstrip("/") in CANVAS_ISSUERS:
            found.add(CANVAS_FRAMES)
    return frozenset(found)


def forget_frame_origins(*_args) -> None:
    """A platform row changed in this process: read the origins again on the next response."""
    global _frame_generation
    with _frame_lock:
        _frame_generation += 1


def content_security_policy(html: bool) -> str:
    if not html:
        # JSON and files are never rendered as documents.
        return "default-src 'none'; frame-ancestors 'none'"
    return "; ".join((
        "default-src 'self'",
        # Inline scripts only with this response's nonce; no eval.
        f"script-src 'self' 'nonce-{csp_nonce()}'",
        # Inline style attributes stay allowed (server-drawn SVG charts use them); they cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        # The deep-linking response auto-posts to the platform's return URL (any school host),
        # so form-action is left open; frame-ancestors is what keeps other sites from framing us.
        "frame-ancestors " + " ".join(frame_ancestors()),
    ))


def _is_https() -> bool:
    return request.is_secure or current_app.config.get("BASE_URL", "").startswith("https://")


def _harden_cookies(resp) -> None:
    """Over HTTPS every cookie is Secure and Partitioned (CHIPS: it still works inside the LMS
    iframe with third-party cookies blocked), SameSite=None unless the code chose stricter."""
    cookies = resp.headers.getlist("Set-Cookie")
    if not cookies:
        return
    resp.headers.remove("Set-Cookie")
    for raw in cookies:
        attrs = {a.strip().split("=", 1)[0].lower() for a in raw.split(";")[1:]}
        extra = []
        if "secure" not in attrs:
            extra.append("Secure")
        if "samesite" not in attrs:
            extra.append("SameSite=None")
        if "partitioned" not in attrs:
            extra.append("Partitioned")
        resp.headers.add("Set-Cookie", "; ".join([raw, *extra]) if extra else raw)


# instance/ holds the secret key and, on SQLite, the database with the tool's private keys.
_PRIVATE_FILES = ("secret_key", "*.db", "*.db-wal", "*.db-shm", "*.db-journal", "*.pem")


def protect_instance(path: str | os.PathLike | None) -> None:
    """Owner-only (600) for Rapport's secret files in instance/; nothing else there is touched."""
    if not path or not Path(path).is_dir():
        return
    for pattern in _PRIVATE_FILES:
        for f in Path(path).glob(pattern):
            if f.is_file() and f.stat().st_mode & 0o077:
                os.chmod(f, 0o600)


def _protect_sqlite_file(app) -> None:
    """The SQLite file appears at the first connection; make it owner-only then."""
    from sqlalchemy import event
    with app.app_context():
        engine = db.engine
    if engine.url.get_backend_name() != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return
    target = Path(engine.url.database)

    @event.listens_for(engine, "connect")
    def _owner_only(dbapi_connection, record):
        for f in (target, *target.parent.glob(target.name + "-*")):
            if f.is_file() and f.stat().st_mode & 0o077:
                os.chmod(f, 0o600)


def init_app(app):
    from sqlalchemy import event

    from .models import Platform
    for change in ("after_insert", "after_update", "after_delete"):
        if not event.contains(Platform, change, forget_frame_origins):
            event.listen(Platform, change, forget_frame_origins)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    protect_instance(app.config.get("INSTANCE_PATH"))
    _protect_sqlite_file(app)
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    # The client's address (rate limits) and scheme (HSTS, Secure cookies) as the proxy saw them,
    # believed only from the proxies gunicorn also trusts (RAPPORT_FORWARDED_ALLOW_IPS).
    from .serving import TrustedProxyFix
    app.wsgi_app = TrustedProxyFix(app.wsgi_app, hops, app.config.get("FORWARDED_ALLOW_IPS") or ("127.0.0.1", "::1"))

    @app.after_request
    def security_headers(resp):
        html = (resp.mimetype or "").startswith("text/html")
        resp.headers.setdefault("Content-Security-Policy", content_security_policy(html))
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Launch tokens ride in URLs after a launch; no Referer carries them anywhere, not even to us.
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if _is_https():
            resp.headers.setdefault("Strict-Transport-Security", HSTS)
            _harden_cookies(resp)
        return resp


def redact(line: str) -> str:
    """An access-log request line without its query string (where launch tokens travel)."""
    return _TOKEN_QUERY.sub("?[redacted]", line)


class RedactingRequestHandler(WSGIRequestHandler):
    """`rapport serve`'s access log: method, path and status, never the query string."""

    def log_request(self, code="-", size="-"):
        # Werkzeug logs `self.path` (and `requestline` only when the line was bad); the request
        # has been handled by now, so both are swapped for their redacted forms while logging.
        path, line = getattr(self, "path", None), self.requestline
        self.requestline = redact(line)
        if path is not None:
            self.path = redact(path)
        try:
            super().log_request(code, size)
        finally:
            self.requestline = line
            if path is not None:
                self.path = path
