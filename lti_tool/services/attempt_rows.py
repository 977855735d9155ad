"""Narrow reads of an attempt for the requests a class makes most (autosave, submit, the start
page): Core rows of the columns they use, no ORM objects, and each bank item's definition from a
per-process cache.

Bank item rows are never edited (a change is a new version, bank_store.store_items), so a
definition decoded once is good for the life of the process. The cache is keyed by database,
row id and content hash: a row id that names other content (another database, a test's fresh
one) is a miss, never a wrong item. Loading an attempt through the ORM cost an autosave about
two thirds of its time (two dozen objects and some seventy JSON decodes for ten items); here it
is one query and one small JSON decode per answer.

The rows quack like the ORM objects for what attempts.save_response, case_progress and
review.unanswered read (attempt.items, item.bank_item.definition, item.locked_at, ...).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from question_bank.types import get_type

from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Accommodation, Assignment, Attempt, AttemptItem, BankItem
from .rows import database_key, prepared

_CACHE_MAX = 50_000  # definitions; a bank of thousands of items fits many times


@dataclass(frozen=True, slots=True)
class BankDef:
    """What an attempt needs of one bank item row (item_type(bank_def) works as for a BankItem)."""

    id: int
    type: str
    topic: str
    definition: dict
    content_hash: str


@dataclass(slots=True)
class ItemRow:
    id: int
    position: int
    bank_item_id: int
    response: object
    response_seq: int
    locked_at: datetime | None
    flagged: bool
    bank_item: BankDef


@dataclass(slots=True)
class AssignmentRow:
    id: int
    resource_link_id: int | None
    time_limit_minutes: float | None


@dataclass(slots=True)
class AttemptRow:
    id: int
    user_id: int
    state: str
    is_preview: bool
    opened_at: datetime | None
    deadline_at: datetime | None
    submit_requested_at: datetime | None
    assignment: AssignmentRow
    number: int = 1
    items: list[ItemRow] = field(default_factory=list)

    def item_at(self, position: int) -> ItemRow | None:
        return next((i for i in self.items if i.position == position), None)


_defs: dict[tuple[str, int], BankDef] = {}
_defs_lock = threading.Lock()


def _db_key() -> str:
    return database_key()


def remember(rows, db_key: str | None = None) -> None:
    """Keep decoded bank rows (BankItem objects, or rows with its columns) for later requests."""
    key = db_key or _db_key()
    with _defs_lock:
        if len(_defs) > _CACHE_MAX:
            _defs.clear()
        for r in rows:
            _defs[(key, r.id)] = BankDef(r.id, r.type, r.topic, r.definition, r.content_hash)


def bank_defs(hashes: dict[int, str]) -> dict[int, BankDef]:
    """bank_item id -> BankDef for these rows (id -> content hash, as the attempt's query read
    them); one query for those not cached yet."""
    key = _db_key()
    out, missing = {}, []
    for row_id, digest in hashes.items():
        hit = _defs.get((key, row_id))
        if hit is not None and hit.content_hash == digest:
            out[row_id] = hit
        else:
            missing.append(row_id)
    if missing:
        b = BankItem.__table__.c
        rows = db.session.execute(db.select(b.id, b.type, b.topic, b.definition, b.content_hash)
                                  .where(b.id.in_(missing))).all()
        remember(rows, key)
        out.update({r.id: BankDef(r.id, r.type, r.topic, r.definition, r.content_hash) for r in rows})
    return out


def _load_statement():
    a, s, i, b = (Attempt.__table__.c, Assignment.__table__.c, AttemptItem.__table__.c, BankItem.__table__.c)
    return (db.select(a.id, a.user_id, a.state, a.is_preview, a.opened_at, a.deadline_at, a.submit_requested_at,
                      a.number, a.assignment_id, s.resource_link_id, s.time_limit_minutes,
                      i.id.label("item_id"), i.position, i.bank_item_id, i.response, i.response_seq, i.locked_at,
                      i.flagged, b.content_hash)
            .select_from(Attempt.__table__.join(Assignment.__table__, s.id == a.assignment_id)
                         .outerjoin(AttemptItem.__table__, i.attempt_id == a.id)
                         .outerjoin(BankItem.__table__, b.id == i.bank_item_id))
            .where(a.id == bindparam("attempt_id")).order_by(i.position))


def load(attempt_id: int) -> AttemptRow | None:
    """The attempt, its assignment's few settings and every item (answer state, no presentation),
    in one query (plus one for definitions this process has not seen)."""
    rows = db.session.execute(prepared("attempt rows", _load_statement), {"attempt_id": attempt_id}).all()
    if not rows:
        return None
    first = rows[0]
    attempt = AttemptRow(first.id, first.user_id, first.state, first.is_preview, first.opened_at, first.deadline_at,
                         first.submit_requested_at,
                         AssignmentRow(first.assignment_id, first.resource_link_id, first.time_limit_minutes),
                         first.number)
    if first.item_id is None:
        return attempt
    defs = bank_defs({r.bank_item_id: r.content_hash for r in rows})
    attempt.items = [ItemRow(r.item_id, r.position, r.bank_item_id, r.response, r.response_seq, r.locked_at,
                             bool(r.flagged), defs[r.bank_item_id]) for r in rows]
    return attempt


def _head_statement():
    i, b = AttemptItem.__table__.c, BankItem.__table__.c
    questions = db.select(db.func.count(i.id)).where(i.attempt_id == bindparam("attempt_id")).scalar_subquery()
    cases = (db.select(db.func.count(db.distinct(b.case_study)))
             .select_from(AttemptItem.__table__.join(BankItem.__table__, b.id == i.bank_item_id))
             .where(i.attempt_id == bindparam("attempt_id")).scalar_subquery())
    return (db.select(Attempt, questions, cases, Accommodation)
            .outerjoin(Accommodation, (Accommodation.context_id == bindparam("context_id"))
                       & (Accommodation.user_id == Attempt.user_id))
            .where(Attempt.id == bindparam("attempt_id"))
            .options(joinedload(Attempt.assignment).joinedload(Assignment.resource_link)))


def head(attempt_id: int, context_id: int | None = None) -> tuple[Attempt, int, int, Accommodation | None] | None:
    """The attempt (ORM) with its assignment and link but not its items, how many questions and
    case studies it holds, and the student's accommodation in `context_id`, in one query: what the
    start page shows. attempts.load_items adds the items for a page that renders them."""
    row = db.session.execute(prepared("attempt head", _head_statement),
                             {"attempt_id": attempt_id, "context_id": context_id}).one_or_none()
    return None if row is None else (row[0], row[1], row[2], row[3])


def item_type(bank_def: BankDef):
    return get_type(bank_def.type)(bank_def.definition)
