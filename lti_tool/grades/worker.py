"""Posts each changed gradebook score to the platform's AGS endpoint. Runs as `rapport worker`
or as a thread of `rapport serve`/`demo`; the student's request never waits on the LMS.

What is posted is computed now, from the graded attempts (services.grade_sync), with the row's
state timestamp. A platform down for hours is retried, with capped backoff, for as long as
GRADE_RETRY_HORIZON_HOURS; only a refusal that cannot heal (this user cannot be graded) or the
end of the horizon stops it.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import case

from .. import metrics
from ..extensions import db
from ..lti.ags import LineItemUnavailable, PostResult, post_score
from ..lti.platform_errors import CONFLICT, NOT_GRADABLE
from ..models import GradeSync
from ..models.base import utcnow
from ..models.grades import DEAD, DELIVERED, FAILED, PENDING
from ..services.grade_sync import GradebookScore, ensure_lineitem, gradebook_score

log = logging.getLogger("rapport.grades")
CLAIM_SECONDS = 120


def _claim(limit: int) -> list[tuple[GradeSync, object]]:
    """Rows due now, each with the claim stamp that proves this worker still owns it.
    SKIP LOCKED on PostgreSQL keeps several workers off one row; the claim's expiry lets a row
    left by a crashed worker be taken over."""
    now = utcnow()
    q = (db.select(GradeSync)
         .where(GradeSync.status.in_([PENDING, FAILED]), GradeSync.next_try_at <= now,
                (GradeSync.claimed_until.is_(None)) | (GradeSync.claimed_until < now))
         .order_by(GradeSync.next_try_at).limit(limit))
    if db.engine.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = db.session.execute(q).scalars().all()
    claim = now + timedelta(seconds=CLAIM_SECONDS)
    for row in rows:
        row.claimed_until = claim
    db.session.commit()
    return [(row, claim) for row in rows]


def _iso(dt):
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z") if dt else None


def score_payload(row: GradeSync, score: GradebookScore, state_at) -> dict:
    return {
        "userId": row.user.sub,
        "scoreGiven": score.score_given,
        "scoreMaximum": score.score_maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        # The state's own time, not the clock: a stale post is then older than what the
        # platform holds, and a platform that refuses older scores refuses it.
        "timestamp": _iso(state_at),
        "submission": {"startedAt": _iso(score.started_at), "submittedAt": _iso(score.submitted_at)},
    }


def backoff(tries: int, retry_after: float | None, cap_seconds: float) -> timedelta:
    """Exponential from 2 s, capped, with jitter so a recovering LMS is not stampeded."""
    base = min(cap_seconds, 2.0 * (2 ** min(tries - 1, 30)))
    delay = base * (0.5 + random.random())
    if retry_after is not None:
        delay = max(delay, min(retry_after, 6 * 3600.0))
    return timedelta(seconds=delay)


def _finish(row_id: int, claim, **values) -> bool:
    """Write the outcome only if this worker still holds the claim (a worker that stalled past
    its claim must not overwrite what the next one did)."""
    values["claimed_until"] = None
    done = db.session.execute(db.update(GradeSync).where(GradeSync.id == row_id, GradeSync.claimed_until == claim)
                              .values(**values)).rowcount == 1
    db.session.commit()
    return done


def _delivered(row: GradeSync, seq: int, state_at, claim, score: GradebookScore | None, note: str | None) -> str:
    now = utcnow()
    values = dict(delivered_seq=seq, delivered_at=now, tries=0, failing_since=None, last_status=None,
                  last_error=note, last_fix=None, last_error_kind=None, delivered_state_at=state_at,
                  # A change that arrived while posting leaves the row pending, to be posted next.
                  status=case((GradeSync.requested_seq == seq, DELIVERED), else_=PENDING), next_try_at=now)
    if score is not None:
        values.update(delivered_score=score.score_given, delivered_maximum=score.score_maximum)
    _finish(row.id, claim, **values)
    return db.session.execute(db.select(GradeSync.status).where(GradeSync.id == row.id)).scalar_one()


def deliver(row: GradeSync, claim, session=None) -> str:
    config = current_app.config
    # Read the row's change counter before the attempts: a submit committed in between is then
    # either in the score or counted as a newer change, never lost.
    db.session.refresh(row)
    seq, state_at = row.requested_seq, row.state_at
    link = row.resource_link
    score = gradebook_score(link.assignment, row.user_id) if link.assignment else None
    if score is None:  # nothing graded any more: nothing to send
        return _delivered(row, seq, state_at, claim, None, "nothing to send")
    result = None
    if not row.lineitem_url:
        try:
            row.lineitem_url = ensure_lineitem(link, session=session)
        except LineItemUnavailable as exc:
            db.session.rollback()
            result = PostResult(False, None, exc.error)
    if result is None:
        result = post_score(row.user.platform, row.lineitem_url, link.ags_scopes or [], score_payload(row, score, state_at),
                            session=session, jwks_url=config["BASE_URL"] + "/lti/jwks")
    if result.ok:
        status = _delivered(row, seq, state_at, claim, score, None)
    elif result.error.kind == CONFLICT:
        # The platform holds a score at least as new as this state (ours, sent before a crash
        # cut off the answer, or a grade entered in the LMS). Never bump the clock to force it.
        status = _delivered(row, seq, state_at, claim, score, "the gradebook already held this or a newer score")
    else:
        now = utcnow()
        since = row.failing_since or now
        horizon = timedelta(hours=config["GRADE_RETRY_HORIZON_HOURS"])
        tries = row.tries + 1
        err = dict(tries=tries, last_status=result.status, last_error=result.error.message,
                   last_fix=result.error.fix, last_error_kind=result.error.kind, failing_since=since)
        if result.error.kind == NOT_GRADABLE:
            status = DEAD
        elif now - since >= horizon:
            status = DEAD
            err["last_error"] = f"gave up after {tries} tries over {_hours(now - since)}: {result.error.message}"
        else:
            status = FAILED
            err["next_try_at"] = now + backoff(tries, result.retry_after, config["GRADE_RETRY_MAX_INTERVAL"])
        _finish(row.id, claim, status=status, **err)
    log.info("grade_sync %s (user %s) seq %s -> %s (%s)", row.id, row.user_id, seq, status, result.message)
    metrics.grade_delivery(status)
    return status


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours >= 1 else f"{delta.total_seconds() / 60:.0f} minutes"


def run_once(limit: int = 20, session=None) -> int:
    rows = _claim(limit)
    for row, claim in rows:
        try:
            deliver(row, claim, session=session)
        except Exception:  # one bad row must not stop the others; its claim expires and it is retried
            log.exception("grade_sync %s failed unexpectedly", row.id)
            db.session.rollback()
    return len(rows)


def run_forever(app, stop: threading.Event) -> None:
    from .. import shared_state
    from ..services.attempts import sweep_overdue
    interval = app.config["GRADE_WORKER_INTERVAL"]
    purged_at = 0.0
    while not stop.is_set():
        with app.app_context():
            try:
                sweep_overdue()
                if time.monotonic() - purged_at >= shared_state.PURGE_INTERVAL:
                    # Expired OIDC login states (bounded batches; Redis expires its own).
                    purged_at = time.monotonic()
                    shared_state.purge_all_expired_launch_states()
                busy = run_once()
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
