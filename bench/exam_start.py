"""Exam start: N students of a cohort launch within a window and take a timed exam.

Not a test: it prints figures. It acts as the platform (signs each student's id_token, serves
JWKS, the token endpoint and AGS scores) and drives, per student, over real HTTP with asyncio
and httpx: OIDC login, launch, the attempt page, one autosave per item with think time, submit.
Afterwards it checks every stored answer against what was sent (lost answers) and counts the
scores at the platform (grades lost or duplicated). A floor route (/healthz) is sampled through
the same serving during the run; p95s are reported as ratios to the floor's p95.

    .venv/bin/python bench/exam_start.py --mode sqlite  --students 2000 --window 60 --items 25
    .venv/bin/python bench/exam_start.py --mode cluster --students 2000 --window 60 --items 25

`sqlite`: one `rapport serve` host on SQLite. `cluster`: two hosts on PostgreSQL
(127.0.0.1:5432) and Redis (127.0.0.1:6379) behind Debian's nginx (round-robin; alternating
hosts in the client where nginx is absent).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from http.cookiejar import CookieJar, DefaultCookiePolicy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.support.cluster import Cluster  # noqa: E402
from tests.support.platform import LTI, TestPlatform  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/14"


class _Fields(HTMLParser):
    """Per question prefix (q1, q2...), each field name with the values a student could pick."""

    def __init__(self):
        super().__init__()
        self.prefixes: list[str] = []
        self.choices: dict[str, list[str]] = defaultdict(list)
        self.kinds: dict[str, str] = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("data-item-prefix") and a["data-item-prefix"] not in self.prefixes:
            self.prefixes.append(a["data-item-prefix"])
        if tag == "input" and a.get("name") and a.get("type") in ("radio", "checkbox"):
            self.choices[a["name"]].append(a.get("value", ""))
            self.kinds[a["name"]] = a["type"]
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.kinds[a["name"]] = "select"
        elif tag == "option" and self._select and a.get("value"):
            self.choices[self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def pick_answers(html: str, rng: random.Random) -> dict[int, list[tuple[str, str]]]:
    """A plausible answer per question: one choice per radio group and select, one or two boxes."""
    p = _Fields()
    p.feed(html)
    out = {}
    for prefix in p.prefixes:
        fields = []
        for name, values in p.choices.items():
            if name != prefix and not name.startswith(prefix + "-"):
                continue
            if p.kinds[name] == "checkbox":
                fields += [(name, v) for v in rng.sample(values, min(len(values), rng.choice((1, 2))))]
            elif values:
                fields.append((name, rng.choice(values)))
        out[int(prefix[1:])] = fields
    return out


class Stats:
    def __init__(self):
        self.t: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.sent: dict[int, dict[int, list]] = {}

    def error(self, step: str, detail: str):
        self.errors[step] += 1
        sample = f"{step}: {_message(detail)[:200]}"
        if len(self.error_samples) < 8 and sample not in self.error_samples:
            self.error_samples.append(sample)


_TICK = __import__("os").sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, children_done: bool) -> float:
    """CPU seconds of a process (user + system), plus those of its reaped children if asked:
    gunicorn's master reaps the workers it recycles, so their time is not lost."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children_done else 0)
    return ticks / _TICK


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(cluster) -> dict[str, float]:
    """CPU used so far by the app hosts (gunicorn masters, live workers, recycled workers) and by
    the database server (every postgres process; PostgreSQL mode only)."""
    app = sum(_proc_cpu(p.pid, True) + sum(_proc_cpu(c, False) for c in _children(p.pid)) for p in cluster.procs)
    database = 0.0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == "postgres":
                    database += _proc_cpu(int(d.name), False)
            except OSError:
                pass
    return {"app": app, "database": database if cluster.env["RAPPORT_DATABASE_URL"].startswith("postgresql") else 0.0}


def _message(body: str) -> str:
    """The sentence a refusal page shows, not its HTML."""
    import re
    m = re.search(r"<main[^>]*>(.*?)</main>", body, re.S)
    text = re.sub(r"<[^>]+>", " ", m.group(1) if m else body)
    return " ".join(text.split())


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


async def student(i: int, start_at: float, cluster: Cluster, platform: TestPlatform, args, stats: Stats,
                  client: httpx.AsyncClient):
    rng = random.Random(i)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    sub = f"{args.who}-{i:05d}"
    # Each student from their own address, as in a real cohort (the proxy-trust settings below
    # make Rapport believe it), so the per-address rate limits see 2,000 addresses, not one.
    client_ip = {"X-Forwarded-For": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"}

    async def call(step, method, path, **kw):
        t0 = time.perf_counter()
        headers = {**client_ip, **kw.pop("headers", {})}
        resp = await client.request(method, cluster.next_url() + path, headers=headers, **kw)
        stats.t[step].append(time.perf_counter() - t0)
        return resp

    try:
        t_launch = time.perf_counter()
        login = await call("login", "POST", "/lti/login", data={
            "iss": platform.issuer, "login_hint": sub, "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id, "target_link_uri": cluster.base_url + "/lti/launch"})
        if login.status_code != 302:
            return stats.error("login", f"{login.status_code} {login.text}")
        q = parse_qs(urlparse(login.headers["location"]).query)
        claims = platform.claims(q["nonce"][0], sub=sub, link_id="exam-1")
        claims[LTI + "target_link_uri"] = cluster.base_url + "/lti/launch"
        launch = await call("launch", "POST", "/lti/launch", data={"id_token": platform.sign(claims),
                                                                    "state": q["state"][0]})
        if launch.status_code != 303:
            return stats.error("launch", f"{launch.status_code} {launch.text}")
        where = urlparse(launch.headers["location"])
        attempt_id = int(where.path.rsplit("/", 1)[1])
        token = parse_qs(where.query)["lt"][0]
        page = await call("attempt_page", "GET", f"/attempt/{attempt_id}?lt={token}")
        if page.status_code != 200:
            return stats.error("attempt_page", f"{page.status_code}")
        stats.t["full_launch"].append(time.perf_counter() - t_launch)
        if f"/attempt/{attempt_id}/start" in page.text:  # a timed exam opens on its start page
            await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think)
            start = await call("start", "POST", f"/attempt/{attempt_id}/start", data={"lt": token})
            if start.status_code != 303:
                return stats.error("start", f"{start.status_code} {start.text}")
            where = urlparse(start.headers["location"])
            token = parse_qs(where.query)["lt"][0]
            page = await call("attempt_page", "GET", f"{where.path}?{where.query}")
            if page.status_code != 200:
                return stats.error("attempt_page", f"{page.status_code}")
        answers = pick_answers(page.text, rng)
        stats.sent[attempt_id] = {}
        for position, fields in sorted(answers.items()):
            await asyncio.sleep(rng.uniform(0.5, 1.5) * args.think)
            form = defaultdict(list)
            for name, value in fields + [("position", str(position)), ("seq", "1")]:
                form[name].append(value)
            save = await call("autosave", "POST", f"/attempt/{attempt_id}/save", data=dict(form),
                              headers={"X-Launch-Token": token, "Accept": "application/json"})
            if save.status_code != 200:
                stats.error("autosave", f"{save.status_code} {save.text}")
                continue
            token = save.json()["lt"]
            stats.sent[attempt_id][position] = fields
        done = await call("submit", "POST", f"/attempt/{attempt_id}/submit", data={"lt": token})
        if done.status_code != 303:
            stats.error("submit", f"{done.status_code} {done.text}")
    except Exception as exc:  # noqa: BLE001 - a bench counts failures, it does not stop at one
        stats.error("exception", f"{exc.__class__.__name__}: {exc}")


async def floor(cluster: Cluster, stats: Stats, stop: asyncio.Event):
    async with httpx.AsyncClient(timeout=60) as client:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                await client.get(cluster.next_url() + "/healthz")
                stats.t["floor"].append(time.perf_counter() - t0)
            except httpx.HTTPError:
                stats.error("floor", "no answer")
            await asyncio.sleep(0.2)


async def drive(cluster, platform, args, stats):
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    # Rapport runs in a cross-site LMS iframe where browsers block its cookies; and one shared jar
    # for 2,000 students would grow every request's Cookie header past the server's limit.
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))  # a jar: httpx keeps its policy
    async with httpx.AsyncClient(timeout=120, limits=limits, cookies=no_cookies) as client:
        stop = asyncio.Event()
        floor_task = asyncio.create_task(floor(cluster, stats, stop))
        t0 = time.monotonic() + 1
        tasks = [student(i, t0 + args.window * i / max(1, args.students), cluster, platform, args, stats, client)
                 for i in range(args.students)]
        began = time.perf_counter()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - began
        stop.set()
        await floor_task
    return elapsed


def check_answers(app, stats: Stats) -> tuple[int, int]:
    """(answers sent, answers lost): each stored response must equal what the sent fields mean."""
    from werkzeug.datastructures import MultiDict

    from lti_tool.extensions import db
    from lti_tool.models import AttemptItem
    from lti_tool.services.bank_store import item_type
    sent = lost = 0
    with app.app_context():
        for attempt_id, answers in stats.sent.items():
            items = {i.position: i for i in db.session.execute(
                db.select(AttemptItem).filter_by(attempt_id=attempt_id)).scalars()}
            for position, fields in answers.items():
                sent += 1
                item = items[position]
                expected = item_type(item.bank_item).from_form(MultiDict(fields), f"q{position}")
                if item.response != expected:
                    lost += 1
    return sent, lost


def main():
    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the platform's own request lines
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=("sqlite", "cluster"), default="sqlite")
    ap.add_argument("--students", type=int, default=2000)
    ap.add_argument("--window", type=float, default=60.0, help="seconds over which the students launch")
    ap.add_argument("--items", type=int, default=25)
    ap.add_argument("--think", type=float, default=2.0, help="mean seconds between two autosaves")
    ap.add_argument("--web-workers", type=int, default=3, help="gunicorn workers per host")
    ap.add_argument("--connections", type=int, default=200, help="HTTP connections the driver opens at most")
    args = ap.parse_args()

    from config import settings_for_tests
    from lti_tool import create_app
    from lti_tool.extensions import db
    from lti_tool.models import Assignment, GradeSync

    import psycopg  # noqa: F401 (cluster mode)
    work = Path(__import__("tempfile").mkdtemp(prefix="rapport-bench-"))
    dbname = None
    if args.mode == "sqlite":
        db_url, redis_url, hosts = f"sqlite:///{work / 'rapport.db'}", None, 1
    else:
        dbname = f"rapport_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        db_url, redis_url, hosts = f"postgresql+psycopg://postgres@127.0.0.1:5432/{dbname}", REDIS_URL, 2
    prefix = "rapport-bench-" + uuid.uuid4().hex[:8]
    cluster = Cluster(db_url, redis_url, hosts=hosts, web_workers=args.web_workers, nginx=args.mode == "cluster",
                      extra_env={"RAPPORT_REDIS_KEY_PREFIX": prefix})
    # The driver's X-Forwarded-For plays each student's address: one hop more than the proxies.
    cluster.env["RAPPORT_TRUSTED_PROXIES"] = "2" if cluster.use_nginx else "1"
    platform = TestPlatform()
    try:
        up = cluster.rapport("db", "upgrade")
        assert up.returncode == 0, up.stderr
        app = create_app(settings_for_tests(db_url, base_url=cluster.base_url))
        platform.register(app)
        # The exam: one resource link of `items` questions, made by a first launch, then sized.
        cluster.start()
        stats = Stats()
        asyncio.run(drive(cluster, platform, argparse.Namespace(**{**vars(args), "students": 1, "window": 0, "think": 0, "who": "warmup"}),
                          stats))
        with app.app_context():
            a = db.session.execute(db.select(Assignment)).scalar_one()
            bp = dict(a.blueprint)
            bp["sections"] = [{"filter": {}, "count": args.items}]
            a.blueprint = bp
            db.session.commit()
        stats = Stats()
        args.who = "student"
        cpu0, driver0 = cpu_seconds(cluster), time.process_time()
        elapsed = asyncio.run(drive(cluster, platform, args, stats))
        cpu1, driver1 = cpu_seconds(cluster), time.process_time()
        stats.cpu = {k: cpu1[k] - cpu0[k] for k in cpu1} | {"driver": driver1 - driver0}
        deadline = time.monotonic() + 600
        with app.app_context():
            while time.monotonic() < deadline:
                waiting = db.session.execute(db.select(db.func.count()).select_from(GradeSync)
                                             .where(GradeSync.status != "delivered")).scalar()
                if not waiting:
                    break
                db.session.remove()
                time.sleep(1)
            rows = db.session.execute(db.select(db.func.count()).select_from(GradeSync)).scalar() - 1  # not the warm-up
        sent, lost = check_answers(app, stats)
        users = defaultdict(int)
        for body in platform.accepted:
            if body["userId"].startswith("student-"):
                users[body["userId"]] += 1
        submitted = len(stats.t["submit"]) - stats.errors.get("submit", 0)
        report(args, cluster, stats, elapsed, sent, lost, submitted, rows, users)
        errors = [line for h in range(len(cluster.ports)) for line in cluster.logs(h).splitlines()
                  if '"level": "error"' in line]
        if errors:
            print(f"  server errors logged: {len(errors)}; first: {errors[0][:300]}")
    finally:
        cluster.stop()
        platform.server.stop()
        if dbname:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        cluster.cleanup()


def report(args, cluster, stats, elapsed, sent, lost, submitted, rows, users):
    floor95 = pct(stats.t["floor"], 95)
    requests = sum(len(v) for k, v in stats.t.items() if k not in ("floor", "full_launch"))
    mode = "SQLite, 1 host" if args.mode == "sqlite" else \
        f"PostgreSQL + Redis, 2 hosts{' behind nginx' if cluster.use_nginx else ' (client alternates)'}"
    print(f"exam start: {args.students} students launching within {args.window:.0f} s, {args.items} items, "
          f"think {args.think:.1f} s; {mode}, {args.web_workers} gunicorn workers per host")
    print(f"  wall {elapsed:.1f} s, {requests} requests, {requests / elapsed:.1f} requests/s")
    print(f"  {'step':<14}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'p95/floor':>11}")
    for step in ("floor", "login", "launch", "attempt_page", "full_launch", "start", "autosave", "submit"):
        v = stats.t.get(step, [])
        print(f"  {step:<14}{len(v):>7}{pct(v, 50) * 1000:>10.1f}{pct(v, 95) * 1000:>10.1f}{pct(v, 99) * 1000:>10.1f}"
              f"{pct(v, 95) / floor95 if floor95 else float('nan'):>11.1f}")
    print(f"  errors: {dict(stats.errors) or 0}")
    for line in stats.error_samples:
        print(f"    {line}")
    print(f"  answers: {sent} acknowledged, {lost} lost")
    started = len(stats.t.get("full_launch", []))
    if started and getattr(stats, "cpu", None):
        c = stats.cpu
        per = {k: v / started for k, v in c.items()}
        print(f"  CPU: app {c['app']:.0f} s, PostgreSQL {c['database']:.0f} s, driver {c['driver']:.0f} s "
              f"(machine: {__import__('os').cpu_count()} cores, {elapsed:.0f} s of wall)")
        print(f"  per student through launch and exam: app {per['app'] * 1000:.0f} ms, "
              f"database {per['database'] * 1000:.0f} ms CPU")
        need = (c["app"] + c["database"]) / started * args.students
        print(f"  for {args.students} students the app and database need {need:.0f} CPU-seconds: "
              f"{need / (args.window + args.items * args.think):.1f} cores on average over "
              f"{args.window + args.items * args.think:.0f} s of exam, more while they launch")
    dup = sum(1 for n in users.values() if n > 1)
    print(f"  grades: {submitted} submitted, {rows} grade_sync rows, {len(users)} students' scores at the platform, "
          f"{dup} duplicated, {max(0, submitted - len(users))} missing")


if __name__ == "__main__":
    main()
