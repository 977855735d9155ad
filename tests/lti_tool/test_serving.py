"""Serving settings and proxy trust: gunicorn and Flask believe X-Forwarded-* from the same
peers (RAPPORT_FORWARDED_ALLOW_IPS, default loopback); request ids; JSON access and app logs
without query strings, client addresses or names."""
import io
import json
import logging
import runpy
from pathlib import Path

import pytest

from config import SettingsError, web_settings
from lti_tool import logs
from lti_tool.serving import TrustedProxyFix, access_record, peer_trusted

CONF = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"


def test_web_settings_come_from_the_environment(monkeypatch):
    for name in ("RAPPORT_BIND", "RAPPORT_WEB_WORKERS", "RAPPORT_WEB_THREADS", "RAPPORT_WEB_TIMEOUT",
                 "RAPPORT_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    web = web_settings()
    assert web["bind"] == "127.0.0.1:5000" and web["workers"] == 5 and web["forwarded_allow_ips"] == "127.0.0.1,::1"
    monkeypatch.setenv("RAPPORT_BIND", "0.0.0.0:8000")
    monkeypatch.setenv("RAPPORT_WEB_WORKERS", "3")
    monkeypatch.setenv("RAPPORT_FORWARDED_ALLOW_IPS", "10.0.0.5, 10.0.1.0/24")
    web = web_settings()
    assert (web["bind"], web["workers"], web["forwarded_allow_ips"]) == ("0.0.0.0:8000", 3, "10.0.0.5,10.0.1.0/24")
    conf = runpy.run_path(str(CONF))
    assert conf["bind"] == "0.0.0.0:8000" and conf["workers"] == 3 and conf["forwarded_allow_ips"] == "10.0.0.5,10.0.1.0/24"
    assert conf["worker_class"] == "gthread" and conf["timeout"] == 30
    assert conf["logger_class"] == "lti_tool.serving.AccessLogger"


@pytest.mark.parametrize("name, value, words", [
    ("RAPPORT_WEB_WORKERS", "many", "not a whole number"),
    ("RAPPORT_WEB_WORKERS", "0", "at least 1"),
    ("RAPPORT_FORWARDED_ALLOW_IPS", "proxy.example.edu", "not an address or network"),
])
def test_bad_web_settings_say_which_and_how(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=words) as exc:
        web_settings()
    assert name in str(exc.value)


def test_peer_trust():
    nets = [__import__("ipaddress").ip_network(n) for n in ("127.0.0.1/32", "::1/128", "10.0.1.0/24")]
    assert peer_trusted("127.0.0.1", nets) and peer_trusted("10.0.1.9", nets) and peer_trusted("::1", nets)
    assert not peer_trusted("10.0.2.1", nets) and not peer_trusted("", nets) and not peer_trusted(None, nets)
    assert peer_trusted("203.0.113.9", None)  # "*"


def _seen(hops, allowed, remote, headers):
    seen = {}

    def inner(environ, start_response):
        seen.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"],
                    rid=environ.get("rapport.proxy_request_id"))
        return []
    environ = {"REMOTE_ADDR": remote, "wsgi.url_scheme": "http", "HTTP_HOST": "tool", "REQUEST_METHOD": "GET",
               "PATH_INFO": "/"}
    environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    TrustedProxyFix(inner, hops, allowed)(environ, lambda *a: None)
    return seen


def test_forwarded_headers_are_believed_only_from_trusted_proxies():
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Request-ID": "nginx-abc"}
    trusted = _seen(1, ("10.0.0.5",), "10.0.0.5", headers)
    assert trusted == {"addr": "203.0.113.7", "scheme": "https", "rid": "nginx-abc"}
    # a client reaching the app host directly cannot pick its address, scheme or request id
    direct = _seen(1, ("10.0.0.5",), "198.51.100.1", headers)
    assert direct == {"addr": "198.51.100.1", "scheme": "http", "rid": None}
    # no proxies configured: addresses stay as they are, loopback's request id is still joined
    assert _seen(0, ("127.0.0.1",), "127.0.0.1", headers)["addr"] == "127.0.0.1"


def test_every_response_names_its_request_id(client):
    resp = client.get("/healthz")
    assert len(resp.headers["X-Request-ID"]) == 16
    kept = client.get("/healthz", headers={"X-Request-ID": "edge-42"})  # test client peer is loopback
    assert kept.headers["X-Request-ID"] == "edge-42"
    odd = client.get("/healthz", headers={"X-Request-ID": 'x" injected'})
    assert odd.headers["X-Request-ID"] != 'x" injected'


def test_app_log_lines_are_json_with_the_request_id(app, client):
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    logger = logging.getLogger("rapport.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    @app.get("/_log_probe")
    def probe():
        logger.info("grade_sync %s (user %s) -> %s", 7, 42, "delivered")
        return "ok"
    try:
        resp = client.get("/_log_probe")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().strip())
    assert line["msg"] == "grade_sync 7 (user 42) -> delivered" and line["level"] == "info"
    assert line["request_id"] == resp.headers["X-Request-ID"] and line["logger"] == "rapport.test"


def test_access_lines_carry_path_only():
    rec = access_record("GET", "/attempt/3", "200 OK", 512, 0.0123, "abc")
    line = json.dumps(rec)
    assert rec["status"] == 200 and rec["ms"] == 12.3 and rec["request_id"] == "abc"
    assert "?" not in line and "lt=" not in line and "remote" not in line and "agent" not in line


def test_configure_lets_grade_delivery_lines_through():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("json")
        assert logging.getLogger("rapport.grades").isEnabledFor(logging.INFO)
        assert sum(getattr(h, "_rapport", False) for h in root.handlers) == 1
        logs.configure("text")
        assert sum(getattr(h, "_rapport", False) for h in root.handlers) == 1
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_migrating_does_not_silence_the_grade_log(tmp_path):
    """Alembic's fileConfig used to disable every logger that existed before the migration ran:
    `rapport serve` imported the worker (creating "rapport.grades"), migrated, and then never
    logged a delivery."""
    from config import settings_for_tests
    from lti_tool import create_app
    from lti_tool.commands.run_cli import prepare
    grades_log = logging.getLogger("rapport.grades")
    prepare(create_app(settings_for_tests(f"sqlite:///{tmp_path / 'r.db'}")))
    assert not grades_log.disabled


def test_postgres_pool_follows_the_threads(monkeypatch):
    from config import engine_options
    monkeypatch.setenv("RAPPORT_WEB_THREADS", "6")
    monkeypatch.delenv("RAPPORT_DB_POOL_SIZE", raising=False)
    opts = engine_options("postgresql+psycopg://db/rapport")
    assert opts["pool_size"] == 6 and opts["pool_pre_ping"] is True
    monkeypatch.setenv("RAPPORT_DB_POOL_SIZE", "3")
    assert engine_options("postgresql+psycopg://db/rapport")["pool_size"] == 3
    assert engine_options("sqlite:///x.db") == {"connect_args": {"timeout": 30}}
