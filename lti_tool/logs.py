"""Structured logs: one JSON object per line, each carrying the request id of the request that
wrote it. Messages name people only by opaque ids (user 42, grade_sync 7), never a name, an
email address, a client address or a launch token."""
from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("rapport_request_id", default=None)
# An id a proxy may hand us: short, no spaces or quotes (it goes into logs and a header).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Fields of LogRecord that are not extra data.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def new_request_id(offered: str | None = None) -> str:
    """The proxy's X-Request-ID when it is a sane token (so its log and ours line up), else a new one."""
    if offered and _SAFE_ID.match(offered):
        return offered
    return secrets.token_hex(8)


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if getattr(record, "request_id", None):
            out["request_id"] = record.request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in out and key != "request_id":
                out[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def handler(fmt: str = "json", stream=None) -> logging.Handler:
    h = logging.StreamHandler(stream or sys.stderr)
    h.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    h.addFilter(RequestIdFilter())
    return h


def configure(fmt: str = "json", level: int = logging.INFO) -> None:
    """Route every logger (rapport.*, the Flask app, gunicorn's error log) through one handler.

    The grade worker logs each delivery try on "rapport.grades" at INFO: without this, Python's
    default WARNING threshold would drop every one of them.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_rapport", False)]:
        root.removeHandler(old)
    h = handler(fmt)
    h._rapport = True
    root.addHandler(h)
    root.setLevel(level)
    for name in ("rapport", "lti_tool"):
        logging.getLogger(name).setLevel(level)
    # Anything that ran logging.config.fileConfig before us (Alembic's default) disabled every
    # logger that existed then; ours must speak again.
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and name.split(".")[0] in ("rapport", "lti_tool", "gunicorn"):
            logger.disabled = False
    # Werkzeug's own request lines carry query strings (launch tokens): never at INFO.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


REQUEST_ID_HEADER = "X-Request-ID"


def init_app(app) -> None:
    """Give every request an id: in the response header, in each log line it writes, and in the
    access log. A trusted proxy's X-Request-ID is kept (see TrustedProxyFix), so nginx's log and
    ours join on it."""
    from flask import g, request

    @app.before_request
    def _request_id():
        offered = request.environ.get("rapport.proxy_request_id")
        g.request_id = new_request_id(offered)
        g.request_id_token = request_id.set(g.request_id)

    @app.after_request
    def _echo(resp):
        if "request_id" in g:
            resp.headers[REQUEST_ID_HEADER] = g.request_id
        return resp

    @app.teardown_request
    def _clear(_exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            try:
                request_id.reset(token)
            except ValueError:  # set in another context (a streamed response); nothing to undo
                pass
