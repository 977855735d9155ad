"""Who is asking: the launch token, checked on every post-launch route."""
from __future__ import annotations

from flask import abort, request

from ..extensions import db
from ..launch_token import LaunchToken, from_cookies, verify
from ..models import Accommodation, Attempt, ResourceLink
from ..services import attempt_rows, attempts


def current_token() -> LaunchToken:
    """The page's own token (header, form, query) first; else this browser's partitioned launch
    cookie (blueprints/navigation.py), so a reload or a plain link needs no token in the URL."""
    raw = request.headers.get("X-Launch-Token") or request.form.get("lt") or request.args.get("lt")
    if not raw:
        raw = from_cookies(request.cookies, (request.view_args or {}).get("attempt_id"))
    return verify(raw)


def attempt_for(tok: LaunchToken, attempt_id: int) -> Attempt:
    """Only the token's own attempt; nothing crosses users, links or contexts."""
    attempt = attempts.load(attempt_id)
    if attempt is None or tok.attempt_id != attempt_id or attempt.user_id != tok.user_id \
            or attempt.assignment.resource_link_id != tok.resource_link_id:
        abort(403, "This attempt does not belong to your launch.")
    return attempt


def attempt_rows_for(tok: LaunchToken, attempt_id: int) -> attempt_rows.AttemptRow:
    """attempt_for's checks on the narrow rows autosave reads (no ORM objects)."""
    attempt = attempt_rows.load(attempt_id) if tok.attempt_id == attempt_id else None
    if attempt is None or attempt.user_id != tok.user_id or attempt.assignment.resource_link_id != tok.resource_link_id:
        abort(403, "This attempt does not belong to your launch.")
    return attempt


def attempt_head_for(tok: LaunchToken, attempt_id: int) -> tuple[Attempt, int, int, Accommodation | None]:
    """attempt_for's checks on the attempt without its items, with its question and case counts
    and the student's accommodation in the launch's course."""
    found = attempt_rows.head(attempt_id, tok.context_id) if tok.attempt_id == attempt_id else None
    if found is None or found[0].user_id != tok.user_id \
            or found[0].assignment.resource_link_id != tok.resource_link_id:
        abort(403, "This attempt does not belong to your launch.")
    return found


def staff_link(tok: LaunchToken) -> ResourceLink:
    if tok.role != "staff":
        abort(403, "Only instructors of this course can open this page.")
    link = db.session.get(ResourceLink, tok.resource_link_id)
    if link is None or link.context_id != tok.context_id:
        abort(404)
    return link
