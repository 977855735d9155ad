"""How often each item was served in an assignment, for the draw's exposure balance.

Counting every attempt item of the assignment at each launch grew with the class: the 2,000th
student of an exam start scanned 2,000 attempts' items. Balance needs the trend, not the exact
count, so each process reads the counts from the database at most every REFRESH_SECONDS per
assignment and adds what it drew itself in between. Several processes each add their own draws
between refreshes; a refresh brings in everyone's.
"""
from __future__ import annotations

import threading
import time

from flask import current_app
from sqlalchemy import func

from ..extensions import db
from ..models import Attempt, AttemptItem, BankItem

REFRESH_SECONDS = 30.0


class ExposureCounts:
    def __init__(self, refresh_seconds: float = REFRESH_SECONDS):
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._counts: dict[int, tuple[float, dict[str, int]]] = {}

    def get(self, assignment_id: int) -> dict[str, int]:
        """item id -> times served (read-only for the caller)."""
        now = time.monotonic()
        with self._lock:
            cached = self._counts.get(assignment_id)
        if cached is not None and now - cached[0] < self.refresh_seconds:
            return cached[1]
        counts = _count(assignment_id)
        with self._lock:
            self._counts[assignment_id] = (now, counts)
        return counts

    def note_drawn(self, assignment_id: int, item_ids) -> None:
        with self._lock:
            cached = self._counts.get(assignment_id)
            if cached is None:
                return
            counts = dict(cached[1])  # a new dict: a draw in another thread may be reading the old one
            for iid in item_ids:
                counts[iid] = counts.get(iid, 0) + 1
            self._counts[assignment_id] = (cached[0], counts)


def _count(assignment_id: int) -> dict[str, int]:
    q = (db.select(BankItem.item_id, func.count()).join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .where(Attempt.assignment_id == assignment_id).group_by(BankItem.item_id))
    return dict(db.session.execute(q).all())


def counts() -> ExposureCounts:
    """This app's counts (one per app, so tests that build many apps never share them)."""
    ext = current_app.extensions
    if "rapport.exposure" not in ext:
        ext["rapport.exposure"] = ExposureCounts(current_app.config.get("EXPOSURE_REFRESH_SECONDS", REFRESH_SECONDS))
    return ext["rapport.exposure"]
