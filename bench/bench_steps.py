"""Each step of a student's exam start, in this process, one request at a time (Flask test
client, SQLite): OIDC login, id_token post, first page, autosave. Medians in ms, next to a bare
Flask route through the same client, so Rapport's per-request overhead shows too.

Figures, never assertions. Run: .venv/bin/python bench/bench_steps.py [--launches 80]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from werkzeug.datastructures import MultiDict  # noqa: E402

from config import settings_for_tests  # noqa: E402
from tests.lti_tool import test_query_budgets as journey  # noqa: E402
from tests.support.platform import TestPlatform  # noqa: E402


def _attempt_of(location):
    """(attempt id, launch token, location) from a launch's redirect (clients without Fetch
    Metadata, like this one, get the token in the query)."""
    import re
    return int(re.search(r"/attempt/(\d+)", location).group(1)), location.split("lt=")[1].split("&")[0], location


def median_ms(values) -> str:
    return f"{statistics.median(values) * 1000:6.2f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--launches", type=int, default=80)
    args = parser.parse_args()
    from flask import Flask

    from lti_tool import create_app
    from lti_tool.commands.app_setup import prepare
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(settings_for_tests(f"sqlite:///{tmp}/steps.db"))
        prepare(app)
        platform = TestPlatform()
        platform.register(app)
        try:
            client = app.test_client()
            journey._launch(client, platform, "warm-up")
            steps = {"login": [], "launch (id_token post)": [], "first page": [], "healthz": []}
            location = None
            for i in range(args.launches):
                t0 = time.perf_counter()
                state, nonce = journey._login(client, platform, f"student-{i}")
                t1 = time.perf_counter()
                token = platform.sign(platform.claims(nonce, sub=f"student-{i}"))
                t2 = time.perf_counter()
                resp = client.post("/lti/launch", data={"id_token": token, "state": state})
                t3 = time.perf_counter()
                assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
                location = resp.headers["Location"]
                assert client.get(location).status_code == 200
                t4 = time.perf_counter()
                client.get("/healthz")
                t5 = time.perf_counter()
                for name, dt in zip(steps, (t1 - t0, t3 - t2, t4 - t3, t5 - t4)):
                    steps[name].append(dt)
            steps["autosave"] = autosaves(app, client, location, args.launches)
            bare = Flask("bare")
            bare.add_url_rule("/healthz", "healthz", lambda: "ok")
            bare_client, bare_times = bare.test_client(), []
            for _ in range(args.launches):
                t0 = time.perf_counter()
                bare_client.get("/healthz")
                bare_times.append(time.perf_counter() - t0)
            steps["bare Flask route"] = bare_times
        finally:
            platform.server.stop()
    for name, values in steps.items():
        print(f"{name:24s} median {median_ms(values)}")


def autosaves(app, client, location, count):
    attempt_id, token, _ = _attempt_of(location)
    client.post(f"/attempt/{attempt_id}/start", data={"lt": token})
    position, fields = journey._answers(app, attempt_id)[0]
    seq, times = int(time.time() * 1000), []
    for _ in range(count):
        seq += 1
        t0 = time.perf_counter()
        resp = client.post(f"/attempt/{attempt_id}/save", headers={"X-Launch-Token": token},
                           data=MultiDict(fields + [("position", str(position)), ("seq", str(seq))]))
        times.append(time.perf_counter() - t0)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        token = resp.get_json().get("lt", token)
    return times


if __name__ == "__main__":
    main()
