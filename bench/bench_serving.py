"""Rapport under gunicorn against floors built into this benchmark, on SQLite and PostgreSQL
(issue 13). Each server is gunicorn with 2 sync workers; the same 16 client threads drive it.

- Full launch: OIDC login -> id_token post -> first page, as a browser in an LMS iframe does
  it (Fetch Metadata on the id_token post, whose response is the first page; then the page's
  cookie check), a new student each time on an assignment others already use. Also as a
  script does it (no Fetch Metadata: a 303, then the first page's GET). Against the
  floor route: a Flask app that verifies one RS256 id_token and renders a 10-item page.
  Targets: launches/s >= 0.6x floor requests/s, p95 <= 2x the floor's p95.
- Autosave against a bare insert route (one INSERT, one commit, same database, same serving).
  Target >= 0.5x.
- Submit and grade of a 25-item attempt (every answer autosaved before) against the same bare
  insert route. Target >= 0.5x.

Figures, never assertions. The client threads run on the same machine, so the ratios, taken
in one run, say more than the absolute numbers; each figure is taken in ROUNDS slices in turn
with the others, so a ratio's two sides share the machine's load of those minutes.
Run: .venv/bin/python bench/bench_serving.py [--seconds 15] [--sqlite-only]
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._serving import BARE_APP, FLOOR_APP, THREADS, Gunicorn, Tally, client_address, drive, free_port, request  # noqa: E402
from bench.bench_attempts import pg_database  # noqa: E402
from lti_tool.launch_token import COOKIE_PREFIX  # noqa: E402
from config import settings_for_tests  # noqa: E402
from tests.support.forms import form_fields  # noqa: E402
from tests.support.platform import TestPlatform  # noqa: E402

SUBMIT_ITEMS = 25
BROWSER_IFRAME = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "iframe"}
ROUNDS = 4  # each figure is taken in this many slices, in turn with the others

class Bench:
    def __init__(self, label: str, url: str, tmp: Path, seconds: float):
        self.label, self.url, self.tmp, self.seconds = label, url, tmp, seconds
        self.platform = TestPlatform()
        self.results: dict = {}

    # --- set-up in this process ---------------------------------------------------------------
    def prepare(self, base_url):
        from lti_tool import create_app
        from lti_tool.commands.run_cli import prepare
        from lti_tool.extensions import db
        app = create_app(settings_for_tests(self.url, base_url=base_url))
        prepare(app)
        self.platform.register(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return app

    def rapport(self, port) -> Gunicorn:
        env = {"RAPPORT_DATABASE_URL": self.url, "RAPPORT_BASE_URL": f"http://127.0.0.1:{port}",
               "RAPPORT_SECRET_KEY": "bench-secret", "RAPPORT_INSTANCE_PATH": str(self.tmp),
               "RAPPORT_TRUSTED_PROXIES": "1"}
        return Gunicorn("lti_tool:create_app()", env, ROOT, port)

    # --- one full launch ------------------------------------------------------------------
    def login(self, port, sub, fwd, link_id) -> dict:
        """The OIDC login, then the platform's signed answer: the form the id_token post sends."""
        p = self.platform
        status, loc, body = request(port, "POST", "/lti/login", {
            "iss": p.issuer, "login_hint": sub, "target_link_uri": f"http://127.0.0.1:{port}/lti/launch",
            "client_id": p.client_id, "lti_deployment_id": p.deployment_id}, fwd)
        if status != 302:
            raise RuntimeError(f"login {status}: {body[:200]!r}")
        qs = parse_qs(urlparse(loc).query)
        claims = p.claims(qs["nonce"][0], sub=sub, link_id=link_id)
        claims["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"] = f"http://127.0.0.1:{port}/lti/launch"
        return {"id_token": p.sign(claims), "state": qs["state"][0]}

    def browser_launch(self, port, sub, addr, link_id="link-1"):
        """A launch as a browser in the LMS iframe makes it (Fetch Metadata on the id_token post):
        the first page comes in the launch's response; the page then asks /lti/cookie-check
        (static/handoff.js) with the partitioned cookie the response set."""
        fwd = {"X-Forwarded-For": addr}
        form = self.login(port, sub, fwd, link_id)
        jar: dict = {}
        status, _, body = request(port, "POST", "/lti/launch", form, {**fwd, **BROWSER_IFRAME}, cookies=jar)
        if status != 200 or b'id="launch-settle"' not in body:
            raise RuntimeError(f"launch {status}: {body[:300]!r}")
        check = re.search(rb'data-check-url="([^"]+)"', body).group(1).decode().replace("&amp;", "&")
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items() if k.startswith(COOKIE_PREFIX))
        status, _, body = request(port, "GET", check, None, {**fwd, "Cookie": cookie, "Sec-Fetch-Site": "same-origin",
                                                             "Sec-Fetch-Mode": "cors"})
        if status != 200 or b'"kept":true' not in body.replace(b" ", b""):
            raise RuntimeError(f"cookie check {status}: {body[:200]!r}")

    def launch(self, port, sub, addr, link_id="link-1"):
        """A launch as a script makes it (no Fetch Metadata): a 303, then the first page's GET."""
        fwd = {"X-Forwarded-For": addr}
        status, loc, body = request(port, "POST", "/lti/launch", self.login(port, sub, fwd, link_id), fwd)
        if status != 303:
            raise RuntimeError(f"launch {status}: {body[:300]!r}")
        path = loc.split(f":{port}", 1)[-1] if loc.startswith("http") else loc
        status, _, body = request(port, "GET", path, None, fwd)
        if status != 200:
            raise RuntimeError(f"first page {status}: {body[:200]!r}")
        return path

    # --- the measurements -----------------------------------------------------------------
    def run(self):
        floor_port, floor = self.floor_route()
        bare = self.bare_insert()
        port = free_port()
        app = self.prepare(f"http://127.0.0.1:{port}")
        server = None
        try:
            server = self.rapport(port)
            self.measure(app, server.port, floor_port, bare)
        finally:
            if server:
                server.stop()
            floor.stop()
            self.platform.server.stop()

    def floor_route(self):
        import json
        mod = self.tmp / "bench_floor_app.py"
        mod.write_text(FLOOR_APP)
        g = Gunicorn("bench_floor_app:app", {"FLOOR_JWK": json.dumps(self.platform.jwk)}, self.tmp)
        return g.port, g

    def bare_insert(self):
        from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine
        table = f"bench_bare_{uuid.uuid4().hex[:6]}"
        engine = create_engine(self.url)
        Table(table, MetaData(), Column("id", Integer, primary_key=True), Column("v", String(64))).create(engine)
        engine.dispose()
        (self.tmp / "bench_bare_app.py").write_text(BARE_APP)
        return {"table": table}

    def measure(self, app, port, floor_port, bare):
        """Every figure in ROUNDS slices, taken in turn (floor, ceiling, launch, bare, autosave,
        submit, then again): each ratio compares figures taken through the same minutes, so load
        from elsewhere on the machine weighs on both sides alike."""
        p = self.platform
        request(port, "GET", "/healthz")
        self.launch(port, "warm-up", "10.250.0.1")  # the assignment exists, as in any exam
        run_id = uuid.uuid4().hex[:6]

        # Floor: one id_token verified and a 10-item page rendered.
        def floor_step(n, i):
            claims = p.claims(uuid.uuid4().hex, sub=f"floor-{n}-{i}")
            status, _, body = request(floor_port, "POST", "/launch", {"id_token": p.sign(claims)})
            if status != 200:
                raise RuntimeError(f"floor {status}")

        # The ceiling: the same three requests a launch needs, each doing the least it can.
        def ceiling_step(n, i):
            sub = f"ceiling-{n}-{i}"
            status, _, _ = request(floor_port, "POST", "/ceiling/login", {"login_hint": sub})
            claims = p.claims(uuid.uuid4().hex, sub=sub)
            status2, loc, _ = request(floor_port, "POST", "/ceiling/launch", {"id_token": p.sign(claims)})
            status3, _, _ = request(floor_port, "GET", loc)
            if (status, status2, status3) != (302, 303, 200):
                raise RuntimeError(f"ceiling {status} {status2} {status3}")

        def launch_step(n, i):
            self.browser_launch(port, f"s-{run_id}-{n}-{i}", client_address(n, i))

        def script_launch_step(n, i):
            self.launch(port, f"t-{run_id}-{n}-{i}", client_address(n, i))

        # Autosave: each thread saves answers into its own attempts, round robin.
        plans = self.attempts_with_plans(app, port, f"saver-{run_id}", THREADS * 2, link_id="link-1")
        seqs = [0] * THREADS

        def save_step(n, i):
            path, lt, items = plans[(n + THREADS * (i % 2)) % len(plans)]
            pos, fields = items[i % len(items)]
            seqs[n] += 1
            status, _, body = request(port, "POST", path.split("?")[0] + "/save",
                                      fields + [("position", str(pos)), ("seq", str(int(time.time() * 1000) * 100 + seqs[n] % 100))],
                                      {"X-Launch-Token": lt, "X-Forwarded-For": client_address(n, i)})
            if status != 200:
                raise RuntimeError(f"save {status}: {body[:200]!r}")

        # Submit and grade: 25-item attempts, answered beforehand; each submit takes a fresh one.
        ready = self.submittable(app, port, f"sub-{run_id}", link_id="link-25")
        taken = iter(range(len(ready)))
        take_lock = threading.Lock()

        def submit_step(n, i):
            with take_lock:
                k = next(taken, None)
            if k is None:
                raise StopIteration("out of prepared attempts")
            path, lt, form = ready[k]
            status, loc, body = request(port, "POST", path.split("?")[0] + "/submit", form + [("lt", lt)],
                                        {"X-Forwarded-For": client_address(n, i)})
            if status != 303 or "/review" not in (loc or ""):
                raise RuntimeError(f"submit {status}: {body[:200]!r}")

        bare_server = Gunicorn("bench_bare_app:app", {"BARE_DATABASE_URL": self.url, "BARE_TABLE": bare["table"]},
                               self.tmp)

        def bare_step(n, i):
            status, _, _ = request(bare_server.port, "POST", "/insert", "")
            if status != 200:
                raise RuntimeError(f"bare {status}")
        steps = {"floor": floor_step, "ceiling": ceiling_step, "launch": launch_step, "script launch": script_launch_step,
                 "bare": bare_step,
                 "autosave": save_step, "submit": submit_step}
        tallies = {name: Tally() for name in steps}
        try:
            for _ in range(ROUNDS):
                for name, step in steps.items():
                    seconds = (min(self.seconds, 10) if name == "submit" else self.seconds) / ROUNDS
                    drive(seconds, step, into=tallies[name])
        finally:
            bare_server.stop()
        self.results = {name: t.result() for name, t in tallies.items()}

    def attempts_with_plans(self, app, port, prefix, count, link_id, all_items=False):
        from lti_tool.extensions import db
        from lti_tool.models import Attempt
        from lti_tool.services.bank_store import item_type
        out = []
        for k in range(count):
            path = self.launch(port, f"{prefix}-{k}", f"10.251.{k // 250}.{k % 250 + 1}", link_id=link_id)
            lt = path.split("lt=")[1].split("&")[0]
            aid = int(path.split("/attempt/")[1].split("?")[0])
            with app.app_context():
                a = db.session.get(Attempt, aid)
                # Case-study parts unlock in order (a later part's save is refused with 423), so
                # autosave plans use the standalone items; submit forms carry every item.
                items = [(i.position, form_fields(i.bank_item.type, f"q{i.position}",
                                                  item_type(i.bank_item).correct_response()))
                         for i in a.items if all_items or not i.bank_item.definition.get("case")]
                db.session.remove()
            out.append((path, lt, items))
        return out

    def submittable(self, app, port, prefix, link_id):
        """Attempts of SUBMIT_ITEMS items with every answer saved (as autosave leaves them)."""
        from lti_tool.extensions import db
        from lti_tool.models import AttemptItem, Assignment, ResourceLink
        from lti_tool.services.bank_store import item_type
        self.launch(port, f"{prefix}-setup", "10.252.0.1", link_id=link_id)
        with app.app_context():
            link = db.session.execute(db.select(ResourceLink).filter_by(resource_link_id=link_id)).scalar_one()
            a = db.session.execute(db.select(Assignment).filter_by(resource_link_id=link.id)).scalar_one()
            a.blueprint = dict(a.blueprint, sections=[{"filter": {}, "count": SUBMIT_ITEMS}])
            a.attempts_allowed = 0
            db.session.commit()
            db.session.remove()
        count = max(40, int(min(self.seconds, 10) * 80))
        plans = self.attempts_with_plans(app, port, prefix, count, link_id, all_items=True)
        out = []
        with app.app_context():
            for path, lt, items in plans:
                aid = int(path.split("/attempt/")[1].split("?")[0])
                for item in db.session.execute(db.select(AttemptItem).filter_by(attempt_id=aid)).scalars():
                    item.response = item_type(item.bank_item).correct_response()
                    item.response_seq = 1
                form = [("has_answers", "1")] + [f for _, fields in items for f in fields]
                out.append((path, lt, form))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        random.shuffle(out)
        return out

    def report(self):
        r = self.results
        floor_rps, floor_p95, _ = r["floor"]
        launch_rps, launch_p95, launch_err = r["launch"]
        bare_rps = r["bare"][0]
        save_rps, save_p95, save_err = r["autosave"]
        sub_rps, sub_p95, sub_err = r["submit"]
        ok = lambda v: "met" if v else "NOT met"  # noqa: E731
        print(f"{self.label:10s} floor (verify RS256 + render 10 items) {floor_rps:6.1f} req/s, p95 {floor_p95 * 1000:6.0f} ms")
        ceil_rps, ceil_p95, _ = r["ceiling"]
        print(f"{self.label:10s} ceiling (the launch's 3 requests, each doing the least) {ceil_rps:6.1f} /s = "
              f"{ceil_rps / floor_rps:.2f}x floor, p95 {ceil_p95 * 1000:6.0f} ms = {ceil_p95 / floor_p95:.1f}x: "
              "the most any LTI tool can reach against this floor")
        print(f"{self.label:10s} full launch, as a browser (login, launch answering with the first page, its cookie "
              f"check) {launch_rps:6.1f} /s = {launch_rps / floor_rps:.2f}x floor "
              f"(target 0.6x: {ok(launch_rps >= 0.6 * floor_rps)}), p95 {launch_p95 * 1000:6.0f} ms = "
              f"{launch_p95 / floor_p95:.1f}x floor's (target 2x: {ok(launch_p95 <= 2 * floor_p95)}), {launch_err} errors; "
              f"{launch_rps / ceil_rps:.2f}x the ceiling")
        script_rps, script_p95, script_err = r["script launch"]
        print(f"{self.label:10s} full launch, as a script (login, launch 303, first page GET) {script_rps:6.1f} /s = "
              f"{script_rps / floor_rps:.2f}x floor, p95 {script_p95 * 1000:6.0f} ms = {script_p95 / floor_p95:.1f}x, "
              f"{script_err} errors")
        print(f"{self.label:10s} bare insert route {bare_rps:6.1f} req/s")
        print(f"{self.label:10s} autosave {save_rps:6.1f} req/s = {save_rps / bare_rps:.2f}x bare (target 0.5x: "
              f"{ok(save_rps >= 0.5 * bare_rps)}), p95 {save_p95 * 1000:.0f} ms, {save_err} errors")
        print(f"{self.label:10s} submit+grade ({SUBMIT_ITEMS} items) {sub_rps:6.1f} req/s = {sub_rps / bare_rps:.2f}x bare "
              f"(target 0.5x: {ok(sub_rps >= 0.5 * bare_rps)}), p95 {sub_p95 * 1000:.0f} ms, {sub_err} errors")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    if args.only != "postgresql":
        tmp = Path(tempfile.mkdtemp())
        try:
            b = Bench("SQLite", f"sqlite:///{tmp}/bench.db", tmp, args.seconds)
            b.run()
            b.report()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.only == "sqlite":
        return
    pg = pg_database()
    if pg:
        import psycopg
        admin, name = pg
        tmp = Path(tempfile.mkdtemp())
        try:
            b = Bench("PostgreSQL", admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name,
                      tmp, args.seconds)
            b.run()
            b.report()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
