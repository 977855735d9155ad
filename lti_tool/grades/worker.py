"""Delivers queued scores to the platform's AGS endpoint. Runs as `rapport worker` or a thread.

The student's request only writes the grade_delivery row; this loop does the HTTP.
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import timedelta

from sqlalchemy import func

from ..extensions import db
from ..lti.ags import post_score
from ..models import GradeDelivery
from ..models.base import utcnow
from ..models.grades import DEAD, DELIVERED, FAILED, PENDING

log = logging.getLogger("rapport.grades")
CLAIM_SECONDS = 120


def _claim(limit: int) -> list[GradeDelivery]:
    """Rows due now. SKIP LOCKED on PostgreSQL keeps several workers off the same row;
    the claimed_until lease also lets a row stuck by a crashed worker be retried."""
    now = utcnow()
    q = (db.select(GradeDelivery)
         .where(GradeDelivery.status.in_([PENDING, FAILED]), GradeDelivery.next_try_at <= now,
                (GradeDelivery.claimed_until.is_(None)) | (GradeDelivery.claimed_until < now))
         .order_by(GradeDelivery.next_try_at).limit(limit))
    if db.engine.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = db.session.execute(q).scalars().all()
    for row in rows:
        row.claimed_until = now + timedelta(seconds=CLAIM_SECONDS)
    db.session.commit()
    return rows


def _score_timestamp(row: GradeDelivery):
    """Later, to the second, than any score already sent for this user and line item
    (Moodle answers 409 to a timestamp that is not)."""
    now = utcnow().replace(microsecond=0)
    last = db.session.execute(
        db.select(func.max(GradeDelivery.sent_timestamp)).where(
            GradeDelivery.user_id == row.user_id, GradeDelivery.lineitem_url == row.lineitem_url,
            GradeDelivery.sent_timestamp.is_not(None))).scalar()
    if last is not None:
        if now <= last:
            now = last + timedelta(seconds=1)
    return now


def score_payload(row: GradeDelivery, timestamp) -> dict:
    def iso(dt):
        return dt.isoformat().replace("+00:00", "Z") if dt else None
    payload = {
        "userId": row.user.sub,
        "scoreGiven": row.score_given,
        "scoreMaximum": row.score_maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": iso(timestamp),
        "submission": {"startedAt": iso(row.started_at), "submittedAt": iso(row.submitted_at)},
    }
    return payload


def _backoff(tries: int, retry_after: float | None) -> timedelta:
    base = min(3600.0, 2.0 * (2 ** (tries - 1)))
    delay = base * (0.5 + random.random())  # jitter so a recovering LMS is not stampeded
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=delay)


def deliver(row: GradeDelivery, max_tries: int, session=None) -> str:
    platform = row.user.platform
    timestamp = _score_timestamp(row)
    row.sent_timestamp = timestamp  # reserve it before the POST so a concurrent row picks a later one
    db.session.commit()
    result = post_score(platform, row.lineitem_url, row.resource_link.ags_scopes or [],
                        score_payload(row, timestamp), session=session)
    row.tries += 1
    row.last_status = result.status
    row.claimed_until = None
    if result.ok:
        row.status, row.delivered_at, row.last_error = DELIVERED, utcnow(), None
    elif result.status == 409:
        # Same-second collision (Moodle): retry at once with a later timestamp.
        row.status, row.last_error, row.next_try_at = FAILED, result.message, utcnow() + timedelta(seconds=1)
    elif result.status is not None and 400 <= result.status < 500 and result.status not in (408, 429):
        row.status, row.last_error = DEAD, f"permanent error: {result.message}"
    elif row.tries >= max_tries:
        row.status, row.last_error = DEAD, f"gave up after {row.tries} tries: {result.message}"
    else:
        row.status, row.last_error = FAILED, result.message
        row.next_try_at = utcnow() + _backoff(row.tries, result.retry_after)
    db.session.commit()
    log.info("grade_delivery %s -> %s (%s)", row.id, row.status, result.message)
    return row.status


def run_once(max_tries: int = 8, limit: int = 20, session=None) -> int:
    rows = _claim(limit)
    for row in rows:
        try:
            deliver(row, max_tries, session=session)
        except Exception:  # one bad row must not stop the others
            log.exception("grade_delivery %s failed unexpectedly", row.id)
            db.session.rollback()
    return len(rows)


def retry(row_id: int) -> None:
    """Instructor's retry of a dead-lettered row."""
    row = db.session.get(GradeDelivery, row_id)
    row.status, row.tries, row.next_try_at, row.claimed_until = PENDING, 0, utcnow(), None
    db.session.commit()


def run_forever(app, stop: threading.Event) -> None:
    from ..services.attempts import sweep_overdue
    interval = app.config["GRADE_WORKER_INTERVAL"]
    while not stop.is_set():
        with app.app_context():
            try:
                sweep_overdue()
                busy = run_once(app.config["GRADE_MAX_TRIES"])
            except Exception:
                log.exception("grade worker loop error")
                db.session.rollback()
                busy = 0
            finally:
                db.session.remove()
        if not busy:
            stop.wait(interval)


def start_thread(app) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, stop), name="rapport-grade-worker", daemon=True).start()
    return stop
