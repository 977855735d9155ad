"""The signed, short-lived launch token carried in every form and fetch after a launch.

It replaces cookies inside the LMS iframe (third-party cookies are blocked) and, being
bound to one user, context, resource link and attempt, doubles as CSRF protection.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "rapport.launch-token.v1"


@dataclass(frozen=True)
class LaunchToken:
    user_id: int
    context_id: int
    resource_link_id: int
    attempt_id: int | None
    role: str  # "learner" | "staff"


class TokenError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(tok: LaunchToken) -> str:
    return _serializer().dumps([tok.user_id, tok.context_id, tok.resource_link_id, tok.attempt_id, tok.role])


def verify(raw: str | None) -> LaunchToken:
    if not raw:
        raise TokenError("This page needs a launch from your course. Please open the assignment from your LMS again.")
    try:
        data = _serializer().loads(raw, max_age=current_app.config["LAUNCH_TOKEN_TTL"])
    except SignatureExpired as exc:
        raise TokenError("Your session has expired. Your saved answers are kept; "
                         "please open the assignment from your course again.") from exc
    except BadSignature as exc:
        raise TokenError("This request's launch token is not valid.") from exc
    return LaunchToken(*data)


# In a browser, the token travels in page state (hidden fields, the X-Launch-Token header) and,
# where the browser keeps it, in a partitioned cookie per resource link; never in a URL.
COOKIE_PREFIX = "rapport-lt-"


def cookie_name(tok: LaunchToken) -> str:
    return f"{COOKIE_PREFIX}{tok.resource_link_id}"


def from_cookies(cookies, attempt_id: int | None) -> str | None:
    """The raw token of this browser's launch cookies that names `attempt_id`, else any valid one
    (an earlier attempt's review on the same link), else None."""
    fallback = None
    for name, raw in cookies.items():
        if not name.startswith(COOKIE_PREFIX):
            continue
        try:
            tok = verify(raw)
        except TokenError:
            continue
        if attempt_id is not None and tok.attempt_id == attempt_id:
            return raw
        fallback = fallback or raw
    return fallback
