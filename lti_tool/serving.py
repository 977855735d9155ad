"""Production serving: gunicorn for `rapport serve`, the proxy trust both it and Flask share,
and the access log (JSON, path only: launch tokens travel in query strings)."""
from __future__ import annotations

import ipaddress
import json
import time

from gunicorn.glogging import Logger
from werkzeug.middleware.proxy_fix import ProxyFix


def _networks(allowed) -> list | None:
    """None means every peer ("*")."""
    if "*" in allowed:
        return None
    return [ipaddress.ip_network(a, strict=False) for a in allowed]


def peer_trusted(remote_addr: str | None, networks) -> bool:
    if networks is None:
        return True
    try:
        addr = ipaddress.ip_address((remote_addr or "").split("%", 1)[0])
    except ValueError:
        return False  # a unix socket peer has no address; gunicorn treats it the same way
    return any(addr in net for net in networks)


class TrustedProxyFix:
    """ProxyFix, applied only to requests whose peer is one of the trusted proxies.

    RAPPORT_TRUSTED_PROXIES says how many proxies append to X-Forwarded-For; the peer list
    (RAPPORT_FORWARDED_ALLOW_IPS, default loopback) is the one gunicorn's forwarded_allow_ips
    uses, so both believe forwarded headers from the same hosts and nobody else. A client
    talking to an app host directly cannot choose its own address for the rate limits.
    """

    def __init__(self, app, hops: int, allowed):
        self.app = app
        self.networks = _networks(allowed)
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops) if hops else None

    def __call__(self, environ, start_response):
        if peer_trusted(environ.get("REMOTE_ADDR"), self.networks):
            offered = environ.get("HTTP_X_REQUEST_ID")
            if offered:
                environ["rapport.proxy_request_id"] = offered
            if self.fixed is not None:
                return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def access_record(method: str, path: str, status, size, seconds: float, request_id: str | None) -> dict:
    """One access-log line: no query string (launch tokens), no Referer, no client address or
    user agent (personal data); the request id joins it to the proxy's and the app's lines."""
    try:
        status = int(str(status).split()[0])
    except (ValueError, IndexError):
        pass
    return {"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "info", "logger": "rapport.access",
            "msg": f"{method} {path} {status}", "method": method, "path": path, "status": status,
            "bytes": size, "ms": round(seconds * 1000, 1), "request_id": request_id}


class AccessLogger(Logger):
    """gunicorn's logger: the access line above (JSON, or text with RAPPORT_LOG_FORMAT=text) and
    the error log in the same format as the app's lines."""

    def setup(self, cfg):
        super().setup(cfg)
        from config import web_settings

        from . import logs
        self.fmt = web_settings()["log_format"]
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.addHandler(logs.handler(self.fmt))
        self.error_log.propagate = False

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        rid = next((v for k, v in resp.headers if k.lower() == "x-request-id"), None)
        seconds = request_time.seconds + request_time.microseconds / 1e6
        rec = access_record(environ.get("REQUEST_METHOD", "-"), environ.get("PATH_INFO", "-"),
                            resp.status, getattr(resp, "sent", None), seconds, rid)
        if getattr(self, "fmt", "json") == "json":
            line = json.dumps(rec)
        else:
            line = f"{rec['ts']} {rec['msg']} {rec['bytes']}B {rec['ms']}ms [{rid}]"
        try:
            self.access_log.info(line)
        except Exception:  # noqa: BLE001 - a log line must never fail a request
            self.error_log.exception("could not write the access log line")


def _grade_worker_elected(app, lock_path: str) -> None:
    """Run the grade worker thread in exactly one gunicorn worker of this host: the one holding
    an exclusive lock on a file in the instance folder. When that process dies the kernel frees
    the lock and another worker takes over within seconds. (On PostgreSQL, several hosts each
    running one is safe: rows are claimed with SKIP LOCKED; on SQLite there is one host.)"""
    import fcntl
    import threading

    from .grades.worker import run_forever

    def elect():
        fh = open(lock_path, "a+")  # noqa: SIM115 - held open for the life of the process
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(3)
        run_forever(app, threading.Event())

    threading.Thread(target=elect, name="rapport-grade-worker", daemon=True).start()


def run_gunicorn(bind: str, *, grade_worker: bool, workers: int | None = None) -> None:
    """Serve the app with gunicorn and config/gunicorn.conf.py (what `rapport serve` runs)."""
    import os
    from pathlib import Path

    from gunicorn.app.base import Application

    import config

    conf_path = str(Path(config.__file__).resolve().parent / "gunicorn.conf.py")

    class Rapport(Application):
        def init(self, parser, opts, args):
            return None

        def load_config(self):
            for key, value in self.get_config_from_filename(conf_path).items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key.lower(), value)
            self.cfg.set("bind", [bind])
            if workers:
                self.cfg.set("workers", workers)
            base_init = self.cfg.post_worker_init

            def post_worker_init(worker):
                base_init(worker)
                if grade_worker:
                    app = worker.wsgi
                    _grade_worker_elected(app, os.path.join(app.config["INSTANCE_PATH"], "grade-worker.lock"))
            self.cfg.set("post_worker_init", post_worker_init)

        def load(self):
            from . import create_app
            return create_app()

    Rapport(usage=None, prog="rapport serve").run()
