"""Which bank items the study plan shows as worked examples of a habit (key and every
rationale on view), and which it shows a student now: adaptive sessions treat those as seen,
and a targeted practice set never serves them.

A worked example must not hand a student the key of a question a graded assignment could ask
them later. So examples come, first, from items that no graded (fixed, non-practice)
assignment of the course can draw (each assignment's question set: its collections, and the
filters of its sections) and that the student has not been served; where fewer than two
qualify, from items whose key the student's own reviews already show (nothing new revealed).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from question_bank.habits import items_with_habit
from question_bank.selection import Blueprint, drawable_ids

from ..extensions import db
from ..models import Assignment, ResourceLink
from . import bank_store, mastery
from .seen import reviewed_items, served_items

EXAMPLES = 2
TYPES = ("multiple_choice", "select_all", "select_n")


def _rank(user_id: int, item_id: str) -> str:
    """A stable, per-student order: the same examples on every visit until the student sees them."""
    return hashlib.sha256(f"{user_id}:{item_id}".encode()).hexdigest()


def graded_can_draw(context_id: int) -> frozenset[str]:
    """Item ids that a graded (not adaptive practice) assignment of this course can draw."""
    blueprints = db.session.execute(
        db.select(Assignment.blueprint).outerjoin(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
        .where((ResourceLink.context_id == context_id) | (Assignment.context_id == context_id),
               Assignment.mode != "adaptive")).scalars().all()
    out: set[str] = set()
    for raw in blueprints:
        try:
            bp = Blueprint.from_dict(raw)
        except (KeyError, TypeError, ValueError):  # an unreadable question set: assume it can draw anything
            return frozenset(i.id for i in bank_store.drawable(None)[0])
        items, _ = bank_store.drawable(list(bp.collections) if bp.collections else None)
        out |= drawable_ids(bp, items)
    return frozenset(out)


@dataclass(frozen=True)
class Pools:
    """What decides a student's examples in one course, looked up once per page."""
    served: frozenset
    reviewed: dict        # item id -> the graded assignment whose review shows its key
    graded: frozenset

    @classmethod
    def of(cls, user_id: int, context_id: int) -> "Pools":
        return cls(served_items(user_id, context_id), reviewed_items(user_id, context_id),
                   graded_can_draw(context_id))


def example_items(technique: str, user_id: int, context_id: int, pools: Pools | None = None) -> list:
    """The bank Items the plan shows as worked examples of this habit, at most EXAMPLES: items no
    graded assignment can draw and the student has not met, then items their reviews show."""
    pools = pools or Pools.of(user_id, context_id)
    items, _ = bank_store.drawable(None)
    visible = set(bank_store.visible_collections(context_id)) | {"bundled"}
    offered = [i for i in items_with_habit(items, technique) if i.collection in visible and not i.case_study
               and i.type in TYPES]

    def order(i):
        return i.type != "multiple_choice", _rank(user_id, i.id)
    fresh = sorted((i for i in offered if i.id not in pools.served and i.id not in pools.graded), key=order)
    reviewed = sorted((i for i in offered if i.id in pools.reviewed), key=order)
    return (fresh + reviewed)[:EXAMPLES]


def example_ids(technique: str, user_id: int, context_id: int, pools: Pools | None = None) -> set[str]:
    return {i.id for i in example_items(technique, user_id, context_id, pools)}


def shown(user_id: int, context_id: int) -> set[str]:
    """The worked examples the student's study plan shows now."""
    history = mastery.answers(user_id, context_id)[user_id]
    habits = mastery.habits(history)
    if not habits:
        return set()
    pools = Pools.of(user_id, context_id)
    return {i for h in habits for i in example_ids(h.technique, user_id, context_id, pools)}
