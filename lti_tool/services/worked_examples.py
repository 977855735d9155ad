"""Which bank items the study plan shows as worked examples of a habit (key and every
rationale on view), and which it shows a student now: adaptive sessions treat those as seen,
and a targeted practice set never serves them."""
from __future__ import annotations

import hashlib

from question_bank.habits import items_with_habit

from . import bank_store, mastery
from .seen import served_items

EXAMPLES = 2
TYPES = ("multiple_choice", "select_all", "select_n")


def _rank(user_id: int, item_id: str) -> str:
    """A stable, per-student order: the same examples on every visit until the student sees them."""
    return hashlib.sha256(f"{user_id}:{item_id}".encode()).hexdigest()


def example_items(technique: str, user_id: int, context_id: int, seen=None) -> list:
    """The bank Items the plan shows as worked examples of this habit (stable until seen)."""
    items, _ = bank_store.drawable(None)
    visible = set(bank_store.visible_collections(context_id)) | {"bundled"}
    seen = served_items(user_id, context_id) if seen is None else seen
    pool = [i for i in items_with_habit(items, technique) if i.collection in visible and not i.case_study
            and i.id not in seen and i.type in TYPES]
    pool.sort(key=lambda i: (i.type != "multiple_choice", _rank(user_id, i.id)))
    return pool[:EXAMPLES]


def example_ids(technique: str, user_id: int, context_id: int, seen=None) -> set[str]:
    return {i.id for i in example_items(technique, user_id, context_id, seen)}


def shown(user_id: int, context_id: int) -> set[str]:
    """The worked examples the student's study plan shows now."""
    history = mastery.answers(user_id, context_id)[user_id]
    habits = mastery.habits(history)
    if not habits:
        return set()
    seen = served_items(user_id, context_id)
    return {i for h in habits for i in example_ids(h.technique, user_id, context_id, seen)}
