"""An operator's journey: `rapport serve` and `rapport platform add` as real processes, then a
platform none of us wrote (lti1p3platform, signing its own id_tokens, serving its own JWKS and
token endpoint) launches a student and receives the score."""
import os
import re
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urljoin

import requests
from werkzeug.serving import make_server

from lti_tool.demo.platform import create_lms, registration_args
from tests.support.cookieless import CookielessBrowser, forms, press_start


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_platform_add_launch_and_score(tmp_path):
    port = _free_port()
    tool_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RAPPORT_INSTANCE_PATH=str(tmp_path), RAPPORT_BASE_URL=tool_url)
    env.pop("RAPPORT_DATABASE_URL", None)
    rapport = [sys.executable, "-m", "lti_tool.cli"]

    holder = {}
    lms_server = make_server("localhost", 0, lambda e, s: holder["app"](e, s), threaded=True)
    lms_url = f"http://localhost:{lms_server.server_port}"
    holder["app"], gradebook = create_lms(lms_url, tool_url)
    threading.Thread(target=lms_server.serve_forever, daemon=True).start()

    reg = registration_args(lms_url)
    add = subprocess.run(rapport + ["db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert add.returncode == 0, add.stderr
    add = subprocess.run(rapport + ["platform", "add", "--issuer", reg["issuer"], "--client-id", reg["client_id"],
                                    "--auth-login-url", reg["auth_login_url"], "--auth-token-url", reg["auth_token_url"],
                                    "--key-set-url", reg["key_set_url"], "--deployment-id", reg["deployment_ids"][0]],
                         env=env, capture_output=True, text=True, timeout=60)
    assert add.returncode == 0, add.stderr
    server = subprocess.Popen(rapport + ["serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(tool_url + "/readyz", timeout=1).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # up, but its workers still booting
                time.sleep(0.2)
        b = CookielessBrowser()
        page = press_start(b, b.follow_autopost(b.get(lms_url + "/launch/student")))
        assert page.status_code == 200 and "Question 1" in page.text, page.text[:500]
        form = [f for f in forms(page.text) if f["action"] and f["action"].endswith("/submit")][0]
        # answer nothing: a zero still has to reach the gradebook
        done = b.post(urljoin(page.url, form["action"]), form["fields"])
        assert "Your score" in done.text
        score_text = re.search(r"Your score: <strong>([\d.]+) out of ([\d.]+)", done.text)
        deadline = time.time() + 15
        while time.time() < deadline and not gradebook.scores:
            time.sleep(0.2)
        assert gradebook.scores, "no score reached the practice LMS"
        score = gradebook.scores[-1]["score"]
        assert score["userId"] == "student-1" and score["scoreGiven"] == float(score_text.group(1)) * 10 / float(score_text.group(2))
        assert gradebook.scores[-1]["content_type"] == "application/vnd.ims.lis.v1.score+json"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        lms_server.shutdown()
