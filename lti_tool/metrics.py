"""Prometheus counters and gauges, served at /metrics.

Under gunicorn every worker is its own process, so prometheus_client runs in multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, set by `rapport serve` and config/gunicorn.conf.py before any worker
starts) and /metrics adds up the files of all workers. The grade queue's gauges are read from
the database at scrape time, so every app host reports the same truth about the shared queue.
"""
from __future__ import annotations

import time

from config import metrics_dir
from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event, func

REQUEST_SECONDS = Histogram(
    "rapport_http_request_duration_seconds", "Time to answer a request, by Flask endpoint.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
REQUESTS = Counter("rapport_http_requests_total", "Requests answered, by endpoint and status class.",
                   ["endpoint", "status"])
LAUNCHES = Counter("rapport_launches_total", "LTI launches: learner, staff or refused.", ["outcome"])
ATTEMPTS_STARTED = Counter("rapport_attempts_started_total", "Attempts created (not resumed).")
ATTEMPTS_SUBMITTED = Counter("rapport_attempts_submitted_total", "Attempts submitted, by who submitted.", ["by"])
AUTOSAVES = Counter("rapport_autosaves_total", "Autosave requests: saved or refused.", ["outcome"])
GRADE_DELIVERIES = Counter("rapport_grade_delivery_tries_total",
                           "Grade delivery tries, by the row's status afterwards.", ["outcome"])

bp = Blueprint("metrics", __name__)


def grade_delivery(outcome: str) -> None:
    GRADE_DELIVERIES.labels(outcome=outcome).inc()


class GradeQueueCollector:
    """Rows per grade_sync status and the age of the oldest due pending row, read at scrape time."""

    def collect(self):
        from .extensions import db
        from .models import GradeSync
        from .models.base import utcnow
        from .models.grades import PENDING
        rows = GaugeMetricFamily("rapport_grade_sync_rows", "grade_sync rows by status.", labels=["status"])
        oldest = GaugeMetricFamily("rapport_grade_sync_oldest_pending_seconds",
                                   "Seconds the oldest due pending grade has waited (0 when none).")
        counts = db.session.execute(db.select(GradeSync.status, func.count()).group_by(GradeSync.status)).all()
        for status, n in counts:
            rows.add_metric([status], n)
        oldest.add_metric([], oldest_pending_age(db.session, GradeSync, PENDING, utcnow()))
        yield rows
        yield oldest


def oldest_pending_age(session, GradeSync, pending, now) -> float:
    """Seconds since the oldest pending row became due (0 when nothing is waiting)."""
    first = session.execute(db_select_oldest(GradeSync, pending, now)).scalar()
    if first is None:
        return 0.0
    if first.tzinfo is None:
        from datetime import timezone
        first = first.replace(tzinfo=timezone.utc)
    return max(0.0, (now - first).total_seconds())


def db_select_oldest(GradeSync, pending, now):
    from .extensions import db
    return db.select(func.min(GradeSync.next_try_at)).where(GradeSync.status == pending, GradeSync.next_try_at <= now)


def _registry(with_queue: bool = True) -> CollectorRegistry:
    registry = CollectorRegistry()
    # Multiprocess only if prometheus_client chose it at import (the variable was set before):
    # a variable set later, in a process already counting in memory, must not hide its counts.
    if values.ValueClass is not values.MutexValue and metrics_dir():
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    if with_queue:
        registry.register(GradeQueueCollector())
    return registry


class _InAppContext:
    """A collector that reads the database (the grade queue) outside a request: the worker's
    metrics server answers scrapes in its own thread."""

    def __init__(self, app, collector):
        self.app, self.collector = app, collector

    def collect(self):
        with self.app.app_context():
            from .extensions import db
            try:
                yield from self.collector.collect()
            finally:
                db.session.remove()


def serve_worker_metrics(app, host: str, port: int):
    """`rapport worker --metrics-port`: the worker's counters (grade delivery tries) and the grade
    queue's gauges over HTTP, for a worker on a host that serves no web requests. Returns the
    server (shutdown() stops it)."""
    from prometheus_client import start_http_server
    registry = _registry(with_queue=False)
    registry.register(_InAppContext(app, GradeQueueCollector()))
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server


@bp.get("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if token and request.headers.get("Authorization", "") != f"Bearer {token}":
        return Response("metrics need the bearer token (RAPPORT_METRICS_TOKEN)\n", 401,
                        {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain"})
    return Response(generate_latest(_registry()), 200, {"Content-Type": CONTENT_TYPE_LATEST})


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(resp):
        started = g.pop("metrics_started", None)
        endpoint = request.endpoint or "unmatched"
        if started is not None and endpoint != "metrics.metrics":
            REQUEST_SECONDS.labels(endpoint=endpoint, method=request.method).observe(time.perf_counter() - started)
            REQUESTS.labels(endpoint=endpoint, status=f"{resp.status_code // 100}xx").inc()
        if endpoint == "lti.launch":
            location = resp.headers.get("Location", "") if resp.status_code == 303 else ""
            LAUNCHES.labels(outcome="refused" if not location else
                            "staff" if "/instructor" in location else "learner").inc()
        elif endpoint == "student.save":
            AUTOSAVES.labels(outcome="saved" if resp.status_code == 200 else "refused").inc()
        return resp


def note_attempt(session, kind: str, by: str | None = None) -> None:
    """For changes written with a Core statement (which the flush hook below cannot see): count
    `kind` ("started" or "submitted") when the session's transaction commits."""
    session.info.setdefault("rapport_metrics", []).append((kind, by))


def count_attempt_changes(db) -> None:
    """Attempts started and submitted, counted when their transaction commits (a rolled-back
    start counts nothing), whichever service or worker made the change."""
    from sqlalchemy.orm import Session

    from .models import Attempt
    from .models.attempts import GRADED

    @event.listens_for(Session, "after_flush")
    def _collect(session, _ctx):
        pending = session.info.setdefault("rapport_metrics", [])
        for obj in session.new:
            if isinstance(obj, Attempt):
                pending.append(("started", None))
        for obj in session.dirty:
            if isinstance(obj, Attempt):
                # submit() claims with an UPDATE, then sets GRADED on the object: count that step.
                hist = db.inspect(obj).attrs.state.history
                if GRADED in (hist.added or ()) and GRADED not in (hist.deleted or ()):
                    pending.append(("submitted", obj.submitted_by or "unknown"))

    @event.listens_for(Session, "after_commit")
    def _count(session):
        for kind, by in session.info.pop("rapport_metrics", []):
            if kind == "started":
                ATTEMPTS_STARTED.inc()
            else:
                ATTEMPTS_SUBMITTED.labels(by=by).inc()

    @event.listens_for(Session, "after_rollback")
    def _forget(session):
        session.info.pop("rapport_metrics", None)


_listening = False


def listen(db) -> None:
    global _listening
    if not _listening:
        count_attempt_changes(db)
        _listening = True
