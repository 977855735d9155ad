"""Moving a student between pages without the launch token in any URL.

A browser (it sends Fetch Metadata: every current one does) gets the token in page state and
in a partitioned cookie (CHIPS: kept inside the LMS iframe even with third-party cookies
blocked, per top-level site). Where that cookie came back, a page change is a plain 303 to a
URL with no token; where it did not (a browser without CHIPS), a small page posts the token to
the next page in a hidden field. Clients that send no Fetch Metadata (scripts, the test client,
browsers older than 2023) keep the token in the redirect's query; access logs never show
query strings (config/gunicorn.conf.py, security.RedactingRequestHandler) and no page sends
a Referer.
"""
from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for

from ..launch_token import LaunchToken, cookie_name, issue


def browser_request() -> bool:
    return bool(request.headers.get("Sec-Fetch-Mode"))


def remember(resp, tok: LaunchToken, token: str):
    """Keep the token in this browser's partitioned cookie for the token's resource link."""
    resp.set_cookie(cookie_name(tok), token, max_age=current_app.config["LAUNCH_TOKEN_TTL"], path="/",
                    secure=True, httponly=True, samesite="None", partitioned=True)
    return resp


def go(endpoint: str, tok: LaunchToken, *, token: str | None = None, anchor: str | None = None,
       check: bool = False, **values):
    """Send the student to `endpoint` (a student page that accepts GET and POST).

    `check`: the request cannot have shown whether this browser keeps our cookie (the launch
    itself, a cross-site POST from the LMS): the page asks /lti/cookie-check first."""
    token = token or issue(tok)
    if not browser_request():
        return redirect(url_for(endpoint, lt=token, _anchor=anchor, **values), code=303)
    url = url_for(endpoint, _anchor=anchor, **values)
    if request.cookies.get(cookie_name(tok)) is not None:
        resp = redirect(url, code=303)  # the cookie carries the token: a clean GET, reload-safe
    else:
        check_url = url_for("lti.cookie_check", link=tok.resource_link_id) if check else None
        resp = make_response(render_template("handoff.html", url=url, token=token, check_url=check_url))
    return remember(resp, tok, token)


def page(resp, tok: LaunchToken, token: str):
    """A rendered student page: in a browser, refresh the cookie with the page's fresh token."""
    resp = make_response(resp)
    return remember(resp, tok, token) if browser_request() else resp
