"""A platform's HTTP answer reduced to one readable line, a kind that decides what to do next,
and, where one is known, what a person can do about it.

Platforms answer errors as HTML pages (Moodle's token.php, a proxy's 502), as JSON, or with
the reason only in the HTTP status line (Moodle's services.php). Instructors should never see
raw markup.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urlparse

# What the worker does with each kind:
OK = "ok"
CONFLICT = "conflict"          # 409: the platform holds a score at least as new: recompute
NOT_GRADABLE = "not_gradable"  # the platform says this user cannot be graded: permanent
UNREACHABLE = "unreachable"    # network, 5xx, 408/429, token endpoint trouble: retry
REFUSED = "refused"            # any other refusal: retry (a person can fix the cause), show the fix

_NOT_GRADABLE = re.compile(
    r"incorrect score received|not a student|user not found|not gradable|cannot be graded|not enrolled",
    re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PlatformError:
    kind: str
    message: str  # one line
    fix: str | None = None


def _one_line(text: str, limit: int = 160) -> str:
    text = _SPACE.sub(" ", html.unescape(text or "")).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def body_summary(content_type: str, text: str) -> str:
    """The useful words of a response body: a JSON error message, an HTML title, or plain text."""
    text = text or ""
    stripped = text.strip()
    if stripped in ("", "[]", "{}"):
        return ""
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key in ("error_description", "message", "reason", "error", "errors"):
                value = data.get(key)
                if isinstance(value, list) and value:
                    value = value[0].get("message", value[0]) if isinstance(value[0], dict) else value[0]
                if isinstance(value, dict):
                    value = value.get("message") or json.dumps(value)
                if value:
                    return _one_line(str(value))
        if data is not None:
            return ""
    if "<" in stripped and ("html" in (content_type or "").lower() or stripped.lower().startswith(("<!doctype", "<html"))):
        title = _TITLE.search(stripped)
        if title:
            return _one_line(_TAGS.sub(" ", title.group(1)))
        return _one_line(_TAGS.sub(" ", stripped), 120)
    return _one_line(stripped, 120)


def _is_moodle(url: str) -> bool:
    return "/mod/lti/" in (url or "")


def describe_http(stage: str, url: str, status: int, reason: str, content_type: str, text: str,
                  tool_jwks_url: str | None = None) -> PlatformError:
    """`stage` is "token" (the OAuth2 token request), "score" (the AGS score POST), "lineitems"
    (finding or creating the line item) or "results" (reading the gradebook)."""
    words = [w for w in (_one_line(reason or "", 200), body_summary(content_type, text)) if w]
    # Moodle repeats the status-line reason in its JSON body; say it once.
    if len(words) == 2 and words[1] in words[0]:
        words = words[:1]
    what = {"token": "token request", "lineitems": "line item", "results": "gradebook results"}.get(stage, "score")
    message = f"{what}: {status} {' – '.join(words)}".strip()
    host = urlparse(url).netloc or url
    keys = f" ({tool_jwks_url})" if tool_jwks_url else ""
    if stage == "token":
        if status == 404 and _is_moodle(url):
            fix = ("Moodle could not fetch Rapport's keys: check Moodle's HTTP security settings "
                   f"(cURL blocked hosts and allowed ports) for Rapport's host and port{keys}.")
        elif status in (400, 401, 403, 404):
            fix = ("The LMS refused Rapport's token request: check the client ID and Rapport's "
                   f"public key set URL{keys} in the LMS's tool registration.")
        else:
            fix = f"The LMS's token endpoint ({host}) is having trouble; Rapport keeps retrying."
        return PlatformError(UNREACHABLE, message, fix)
    if stage in ("lineitems", "results"):
        kind = UNREACHABLE if status in (401, 403, 404, 408, 429) or status >= 500 else REFUSED
        return PlatformError(kind, message, "Rapport keeps retrying; check that the tool's grade service (AGS) "
                                            "is enabled with line item management for this course.")
    if status == 409:
        return PlatformError(CONFLICT, message)
    if status in (400, 403, 422) and _NOT_GRADABLE.search(f"{reason} {text}"):
        return PlatformError(NOT_GRADABLE, message,
                             "The LMS says this user cannot be graded here (for example a teacher, "
                             "or a student no longer enrolled). Nothing will be sent for them.")
    if status in (408, 429) or status >= 500:
        return PlatformError(UNREACHABLE, message, f"The LMS ({host}) is having trouble; Rapport keeps retrying.")
    if status in (401, 403):
        return PlatformError(UNREACHABLE, message,
                             "The LMS refused Rapport's access token: check that the tool's grade "
                             "service (AGS) is enabled for this course and tool.")
    if status == 404:
        return PlatformError(UNREACHABLE, message,
                             "The gradebook column was not found: it may have been deleted in the LMS. "
                             "Launching the activity again refreshes it; Rapport keeps retrying.")
    return PlatformError(REFUSED, message, "The LMS refused the score; Rapport keeps retrying. "
                                           "If this persists, report the message above.")


def describe_network(url: str, exc: BaseException) -> PlatformError:
    host = urlparse(url).netloc or url
    kind = exc.__class__.__name__
    detail = "timed out" if "Timeout" in kind else "could not connect" if "Connection" in kind else kind
    return PlatformError(UNREACHABLE, f"network: {detail} ({host})",
                         f"Rapport could not reach the LMS at {host}; it keeps retrying.")
