"""How far a student has got in each case study of an attempt: parts open one at a time, in
order, and an earlier part's answer locks when the student moves on."""
from __future__ import annotations

from ..models import Attempt, AttemptItem


def case_frontiers(attempt: Attempt) -> dict[str, int]:
    """For each case study in the attempt, the case position the student has reached:
    the first item of the case whose answer is not locked. Later items are not shown yet."""
    by_case: dict[str, list] = {}
    for item in attempt.items:
        case = item.bank_item.definition.get("case")
        if case:
            by_case.setdefault(case["id"], []).append(item)
    out = {}
    for case_id, items in by_case.items():
        items.sort(key=lambda i: i.bank_item.definition["case"].get("position") or 0)
        current = next((i for i in items if i.locked_at is None), items[-1])
        out[case_id] = current.bank_item.definition["case"].get("position") or 0
    return out


def reached(item: AttemptItem, frontiers: dict[str, int]) -> bool:
    case = item.bank_item.definition.get("case")
    return not case or (case.get("position") or 0) <= frontiers.get(case["id"], 0)


def is_last_of_case(item: AttemptItem, attempt: Attempt) -> bool:
    case = item.bank_item.definition.get("case") or {}
    pos = case.get("position") or 0
    return not any((i.bank_item.definition.get("case") or {}).get("id") == case.get("id")
                   and ((i.bank_item.definition["case"].get("position") or 0) > pos) for i in attempt.items)
