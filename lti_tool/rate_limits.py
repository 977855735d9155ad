"""Rate limits (Flask-Limiter) on the endpoints an attacker can hammer without a launch.

Over a limit the client gets 429 with Retry-After. The numbers, and why a class launching
together is never refused (also in the README):

- LTI login and launch: 2000 per minute per client address, each. A 400-student lecture
  hall behind one campus NAT address, all clicking the link in the same minute, makes up to
  800 login and 800 launch requests (with LTI Platform Storage a login can be two requests,
  the capabilities probe and the login again, and a launch two, the storage check and the
  launch again); 2000 leaves room for reloads and a second section.
- Autosave: 300 per minute per (address, attempt). The page keeps one save in flight per
  question, so a student changing answers as fast as they can click stays far below 5 a second;
  keying on the attempt keeps classmates behind one NAT from sharing a budget.
- Admin login: 10 per minute per address; nobody types a password ten times a minute.

Behind a reverse proxy set RAPPORT_TRUSTED_PROXIES so the client address is the real one
(otherwise every student shares the proxy's address and its budget).
"""
from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import limiter_memory, shared_state  # noqa: F401 (limiter_memory registers its storage scheme)


def _address_and_attempt() -> str:
    return f"{get_remote_address()}:attempt:{(request.view_args or {}).get('attempt_id')}"


# endpoint -> (setting with the limit string, key function)
LIMITS = {
    "lti.login": ("RATE_LIMIT_LTI", get_remote_address),
    "lti.launch": ("RATE_LIMIT_LTI", get_remote_address),
    "student.save": ("RATE_LIMIT_AUTOSAVE", _address_and_attempt),
    "admin.login": ("RATE_LIMIT_ADMIN_LOGIN", get_remote_address),
}


def init_app(app) -> Limiter:
    """Attach a Limiter (one per app, so each test app counts from zero) to the endpoints above."""
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(get_remote_address, app=app, storage_uri=shared_state.limiter_storage_uri(app.config),
                      key_prefix=app.config.get("RATE_LIMIT_KEY_PREFIX", "rapport"),
                      strategy="moving-window")
    for endpoint, (setting, key_func) in LIMITS.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue  # admin login exists only once the admin pages are installed
        # Read per request, so a changed setting applies without re-registering.
        app.view_functions[endpoint] = limiter.limit(lambda s=setting: app.config[s], key_func=key_func)(view)
    return limiter
