"""Rapport and the practice LMS as real HTTP servers on different sites, plus the grade worker thread.

Rapport listens on http://127.0.0.1:<port>, the practice LMS (lti1p3platform) on
http://localhost:<port>: a different site, so Rapport runs as a third-party iframe, as in
a real LMS. Used by tests/walkthroughs and tests/browser.
"""
from __future__ import annotations

import threading
import time

import pytest
from werkzeug.serving import make_server

from tests.support.platform import ServerThread


def start_live(app) -> dict:
    """Start both servers and the worker; returns the URLs, the gradebook and a `stop()`."""
    from lti_tool.demo.platform import create_lms, registration_args
    from lti_tool.grades.worker import start_thread
    from lti_tool.services import platforms

    tool = ServerThread(app, host="127.0.0.1")
    tool_url = f"http://127.0.0.1:{tool.port}"
    app.config["BASE_URL"] = tool_url
    # The LMS needs its own URL before it is built: bind first, then build it.
    holder = {}

    def lms_app(environ, start_response):
        return holder["app"](environ, start_response)
    lms_server = make_server("localhost", 0, lms_app, threaded=True)
    lms_url = f"http://localhost:{lms_server.server_port}"
    holder["app"], gradebook = create_lms(lms_url, tool_url)
    threading.Thread(target=lms_server.serve_forever, daemon=True).start()
    with app.app_context():
        platforms.register(**registration_args(lms_url))
    app.config["GRADE_WORKER_INTERVAL"] = 0.2
    stop_worker = start_thread(app)

    def stop():
        stop_worker.set()
        lms_server.shutdown()
        tool.stop()
    return {"tool_url": tool_url, "lms_url": lms_url, "gradebook": gradebook, "stop": stop}


@pytest.fixture
def live(app):
    env = start_live(app)
    yield env
    env["stop"]()


def wait_until(predicate, timeout: float = 15) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass (the grade worker and the
    servers run in other threads)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
