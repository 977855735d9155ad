"""Liveness and readiness for load balancers and orchestrators.

/healthz: the process answers. /readyz: this host can serve students now: the database answers
and holds the schema this code expects, Redis answers when configured, and the grade queue is
draining (its oldest due pending row is younger than READY_GRADE_QUEUE_SECONDS). Each check is
listed in the JSON answer, so the one that fails is named.
"""
from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from .. import shared_state
from ..extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


def _database() -> dict:
    db.session.execute(text("SELECT 1"))
    return {"ok": True}


def _migrations() -> dict:
    from ..services.schema_lock import database_heads, expected_heads
    have, want = database_heads(), expected_heads()
    if have != want:
        return {"ok": False, "error": f"schema at {', '.join(sorted(have)) or 'nothing'}, code expects "
                                      f"{', '.join(sorted(want))}; run: rapport db upgrade"}
    return {"ok": True}


def _redis() -> dict:
    client = shared_state.redis_client(current_app.config)
    if client is None:
        return {"ok": True, "configured": False}
    client.ping()
    return {"ok": True, "configured": True}


def _grade_queue() -> dict:
    from ..metrics import oldest_pending_age
    from ..models import GradeSync
    from ..models.base import utcnow
    from ..models.grades import PENDING
    age = oldest_pending_age(db.session, GradeSync, PENDING, utcnow())
    limit = current_app.config["READY_GRADE_QUEUE_SECONDS"]
    out = {"ok": age <= limit, "oldest_pending_seconds": round(age, 1), "threshold_seconds": limit}
    if not out["ok"]:
        out["error"] = "grades are not being delivered; is a grade worker (rapport worker) running?"
    return out


@bp.get("/readyz")
def readyz():
    checks = {}
    for name, check in (("database", _database), ("migrations", _migrations), ("redis", _redis),
                        ("grade_queue", _grade_queue)):
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - readiness reports any failure, by name
            db.session.rollback()
            checks[name] = {"ok": False, "error": exc.__class__.__name__}
            if name == "database":
                break  # nothing else can be checked without it
    ready = all(c["ok"] for c in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503


@bp.get("/")
def index():
    """What Rapport is, for anyone who opens the tool's address directly (no data, no token)."""
    base = current_app.config["BASE_URL"]
    return render_template("index.html", login_url=base + "/lti/login", launch_url=base + "/lti/launch",
                           jwks_url=base + "/lti/jwks")
