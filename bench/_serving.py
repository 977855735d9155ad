"""The serving harness of bench_serving.py: the floor apps (verify + render; one INSERT), gunicorn
with 2 sync workers on a free port, a plain HTTP request, and 16 client threads driving a step."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

THREADS = 16
WORKERS = 2
GUNICORN = str(Path(sys.executable).parent / "gunicorn")

FLOOR_APP = textwrap.dedent('''
    """The floor: verify one RS256 id_token and render a 10-item page. Nothing else."""
    import json, os
    import jwt
    from flask import Flask, render_template_string, request
    from jwt.algorithms import RSAAlgorithm

    KEY = RSAAlgorithm.from_jwk(json.loads(os.environ["FLOOR_JWK"]))
    PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
    <body><main><h1>{{ title }}</h1><form method="post">
    {% for item in items %}<fieldset id="q{{ loop.index }}"><legend>{{ loop.index }}. {{ item.stem }}</legend>
    {% for option in item.options %}<label><input type="radio" name="q{{ loop.index }}" value="{{ option.id }}">
    {{ option.text }}</label>{% endfor %}</fieldset>{% endfor %}
    <button type="submit">Submit</button></form></main></body></html>"""
    ITEMS = [{"stem": "A client says they feel unheard on the unit. Which response by the nurse is best? " * 2,
              "options": [{"id": f"o{j}", "text": f"Option {j}: a response of about this length, " * 2}
                          for j in range(4)]} for _ in range(10)]
    app = Flask("floor")

    @app.post("/launch")
    def launch():
        claims = jwt.decode(request.form["id_token"], KEY, algorithms=["RS256"], options={"verify_aud": False})
        return render_template_string(PAGE, title=claims["sub"], items=ITEMS)

    # The ceiling: an LTI launch's three requests, each doing only the least it must (no
    # database, no state): login redirects, launch verifies and redirects, the page renders.
    @app.post("/ceiling/login")
    def ceiling_login():
        return "", 302, {"Location": "/ceiling/launch?state=" + request.form["login_hint"]}

    @app.post("/ceiling/launch")
    def ceiling_launch():
        claims = jwt.decode(request.form["id_token"], KEY, algorithms=["RS256"], options={"verify_aud": False})
        return "", 303, {"Location": "/ceiling/page?sub=" + claims["sub"]}

    @app.get("/ceiling/page")
    def ceiling_page():
        return render_template_string(PAGE, title=request.args["sub"], items=ITEMS)
''')

BARE_APP = textwrap.dedent('''
    """The floor for writes: one INSERT and one commit per request."""
    import os
    from flask import Flask
    from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

    engine = create_engine(os.environ["BARE_DATABASE_URL"])
    if engine.dialect.name == "sqlite":  # the same settings Rapport's connections get
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def pragmas(conn, _record):
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
    table = Table(os.environ["BARE_TABLE"], MetaData(), Column("id", Integer, primary_key=True), Column("v", String(64)))
    app = Flask("bare")

    @app.post("/insert")
    def ins():
        with engine.begin() as conn:
            conn.execute(insert(table).values(v="x"))
        return "ok"
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with 2 sync workers serving `app` (module:callable) on a free port."""

    def __init__(self, app: str, env: dict, cwd: Path, port: int | None = None):
        self.port = port or free_port()
        self.proc = subprocess.Popen(
            [GUNICORN, "--workers", str(WORKERS), "--worker-class", "sync", "--threads", "1",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--log-level", "warning", app],
            env={**os.environ, **env}, cwd=str(cwd), stdout=subprocess.DEVNULL, stderr=self._log(cwd, app))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {app} did not start")

    def _log(self, cwd, app):
        self.log_path = Path(tempfile.gettempdir()) / f"bench-gunicorn-{self.port}.log"
        return open(self.log_path, "wb")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request(port, method, path, body=None, headers=None, cookies=None):
    """(status, Location, body); with `cookies` (a dict), the response's Set-Cookie values go in it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        data = urlencode(body, doseq=True) if isinstance(body, (dict, list)) else body
        h = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {}
        h.update(headers or {})
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        payload = resp.read()
        if cookies is not None:
            for raw in resp.msg.get_all("Set-Cookie") or ():
                name, _, value = raw.split(";", 1)[0].partition("=")
                cookies[name.strip()] = value
        return resp.status, resp.getheader("Location"), payload
    finally:
        conn.close()


class Tally:
    """One measurement summed over several slices of driving (see drive's `into`)."""

    def __init__(self):
        self.count, self.elapsed, self.errors, self.times = 0, 0.0, 0, []

    def result(self) -> tuple[float, float, int]:
        """(per second, p95 seconds, errors) over every slice."""
        p95 = statistics.quantiles(self.times, n=20)[-1] if len(self.times) >= 20 else float("nan")
        return (self.count / self.elapsed if self.elapsed else 0.0), p95, self.errors


def drive(seconds: float, step, into: Tally | None = None) -> tuple[float, float, int]:
    """Run `step(thread_no, i)` in 16 threads for `seconds`: (per second, p95 seconds, errors).
    With `into`, the slice is added to that Tally too (a measurement taken in several slices)."""
    stop = time.monotonic() + seconds
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    last = [time.monotonic()]

    def loop(n):
        i = 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                step(n, i)
            except StopIteration:  # the step's prepared work ran out: this thread is done
                return
            except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
                with lock:
                    errors[0] += 1
                    if errors[0] <= 3:
                        print(f"    error: {str(exc)[:300]}", file=sys.stderr)
            else:
                with lock:
                    times.append(time.perf_counter() - t0)
                    last[0] = time.monotonic()
            i += 1
    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = last[0] - started  # until the last completed step
    if into is not None:
        into.count += len(times)
        into.elapsed += max(elapsed, 0.0)
        into.errors += errors[0]
        into.times += times
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else float("nan")
    return (len(times) / elapsed if elapsed > 0 else 0.0), p95, errors[0]


def client_address(n, i) -> str:
    """Each request from its own student address, as in a lecture hall of browsers (the rate
    limits key on the address; the limiter still runs on every request)."""
    return f"10.{n}.{(i // 250) % 250}.{i % 250 + 1}"
