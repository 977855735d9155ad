"""Start-attempt (launch: login + validate + draw + store) and autosave requests per second,
on SQLite and PostgreSQL, each as a ratio to a bare Flask insert route measured in the same run.

In-process through Flask's test client, one request at a time, so the figures are the
server's own cost per request (no network, no concurrency). Run: .venv/bin/python bench/bench_attempts.py
"""
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert  # noqa: E402

from config import settings_for_tests  # noqa: E402
from tests.support.forms import form_fields  # noqa: E402
from tests.support.platform import TestPlatform  # noqa: E402

N_LAUNCH, N_SAVE, N_BARE = 60, 400, 400


def bare_rps(url: str) -> float:
    """The floor: a Flask route that inserts one row and commits."""
    engine = create_engine(url)
    md = MetaData()
    t = Table(f"bench_bare_{uuid.uuid4().hex[:6]}", md, Column("id", Integer, primary_key=True), Column("v", String(64)))
    md.create_all(engine)
    app = Flask("bare")

    @app.post("/insert")
    def ins():
        with engine.begin() as conn:
            conn.execute(insert(t).values(v="x"))
        return "ok"
    c = app.test_client()
    start = time.perf_counter()
    for _ in range(N_BARE):
        c.post("/insert")
    rps = N_BARE / (time.perf_counter() - start)
    md.drop_all(engine)
    engine.dispose()
    return rps


def rapport_rps(url: str) -> tuple[float, float]:
    from lti_tool.commands.run_cli import prepare
    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.models import Attempt
    from lti_tool.services.bank_store import item_type
    # The limiter still runs (it is part of a request's cost) but never refuses the benchmark.
    app = create_app(settings_for_tests(url, RATE_LIMIT_LTI="1000000 per minute",
                                        RATE_LIMIT_AUTOSAVE="1000000 per minute"))
    prepare(app)  # migrations, bundled bank, tool key
    platform = TestPlatform()
    platform.register(app)
    c = app.test_client()
    platform.launch(c, sub="warmup")
    start = time.perf_counter()
    for i in range(N_LAUNCH):
        resp, _, _ = platform.launch(c, sub=f"bench-{i}")
        assert resp.status_code == 303
    launch_rps = N_LAUNCH / (time.perf_counter() - start)
    resp, _, _ = platform.launch(c, sub="saver")
    loc = resp.headers["Location"]
    lt = loc.split("lt=")[1]
    aid = int(loc.split("/attempt/")[1].split("?")[0])
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        plans = [(i.position, form_fields(i.bank_item.type, f"q{i.position}", item_type(i.bank_item).correct_response()))
                 for i in attempt.items]
    start = time.perf_counter()
    for n in range(N_SAVE):
        pos, fields = plans[n % len(plans)]
        r = c.post(f"/attempt/{aid}/save", data=MultiDict(fields + [("position", str(pos)), ("seq", str(n + 1))]),
                   headers={"X-Launch-Token": lt, "Accept": "application/json"})
        assert r.status_code == 200, r.get_data(as_text=True)
    save_rps = N_SAVE / (time.perf_counter() - start)
    platform.server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return launch_rps, save_rps


def pg_database():
    try:
        import psycopg
        admin = os.environ.get("RAPPORT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
        name = f"rapport_bench_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(admin, autocommit=True, connect_timeout=2) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return admin, name
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL: skipped ({exc.__class__.__name__})")
        return None


def report(label, url):
    bare = bare_rps(url)
    launch, save = rapport_rps(url)
    print(f"{label:10s} bare insert {bare:8.0f} req/s | start-attempt (login+launch+draw+store) {launch:7.1f} req/s "
          f"= {launch / bare:.3f} x bare | autosave {save:7.0f} req/s = {save / bare:.3f} x bare")


if __name__ == "__main__":
    tmp = tempfile.mkdtemp()
    try:
        report("SQLite", f"sqlite:///{tmp}/bench.db")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    pg = pg_database()
    if pg:
        admin, name = pg
        try:
            report("PostgreSQL", admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name)
        finally:
            import psycopg
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
