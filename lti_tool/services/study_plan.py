"""The personal study plan (issue 16): the habits that cost the student most, each with its
written explanation (question_bank/habits.yaml), two worked examples (services/worked_examples.py:
never a question a graded assignment of the course could still ask), and a one-click targeted
practice set (an adaptive session on that habit)."""
from __future__ import annotations

from dataclasses import dataclass, field

from question_bank.habits import Habit, explanations

from ..extensions import db
from ..models import Attempt, BankItem, User
from ..models.attempts import IN_PROGRESS
from . import bank_store, mastery, worked_examples
from .attempt_error import AttemptError
from .attempts import start_or_resume
from .launches import context_for


@dataclass
class WorkedExample:
    item_id: str
    topic: str
    stem: str
    text: str | None
    rows: list            # [{text, technique, technique_label, rationale, is_key, is_habit}]
    from_review: str | None = None  # the graded assignment whose review already shows this key


@dataclass
class PlanEntry:
    habit: Habit
    examples: list = field(default_factory=list)


@dataclass
class Plan:
    entries: list
    answers: int          # graded answers the plan rests on
    bands: list


def examples_for(technique: str, user_id: int, context_id: int,
                 pools: worked_examples.Pools | None = None) -> list[WorkedExample]:
    pools = pools or worked_examples.Pools.of(user_id, context_id)
    chosen = worked_examples.example_items(technique, user_id, context_id, pools)
    rows = {r.item_id: r for r in db.session.execute(db.select(BankItem).where(
        BankItem.item_id.in_([i.id for i in chosen]), BankItem.current.is_(True))).scalars()}
    out = []
    for item in chosen:
        t = bank_store.item_type(rows[item.id])
        feedback = t.feedback(t.correct_response())
        out.append(WorkedExample(item.id, item.topic, item.definition.get("stem", item.stem),
                                 item.definition.get("text"),
                                 [dict(text=r["text"], technique=r.get("technique"),
                                       technique_label=mastery.technique_label(r.get("technique")),
                                       rationale=r.get("rationale"), is_key=bool(r.get("is_key")),
                                       is_habit=r.get("technique") == technique) for r in feedback],
                                 from_review=pools.reviewed.get(item.id)))
    return out


def plan_for(user_id: int, context_id: int) -> Plan:
    history = mastery.answers(user_id, context_id)[user_id]
    habits = mastery.habits(history)
    pools = worked_examples.Pools.of(user_id, context_id) if habits else None
    return Plan([PlanEntry(h, examples_for(h.technique, user_id, context_id, pools)) for h in habits], len(history),
                mastery.bands(history, context_id))


def start_targeted(attempt: Attempt, technique: str, user_id: int, context_id: int, role: str, secret: str) -> Attempt:
    """A new adaptive session on items that offer this habit (the worked examples left out). Commits."""
    if technique not in explanations():
        raise AttemptError("There is no practice set for that habit.", 400)
    return start_session(attempt, user_id, context_id, role, secret, focus=technique,
                         exclude=worked_examples.example_ids(technique, user_id, context_id))


def start_session(attempt: Attempt, user_id: int, context_id: int, role: str, secret: str,
                  focus: str | None = None, exclude=()) -> Attempt:
    """Another adaptive session on the link of `attempt` (a targeted one with `focus`). Commits."""
    if not attempt.assignment.is_adaptive:
        raise AttemptError("Targeted practice sets run on an adaptive practice link.", 409)
    latest = db.session.execute(db.select(Attempt).filter_by(assignment_id=attempt.assignment_id, user_id=user_id)
                                .order_by(Attempt.number.desc())).scalars().first()
    if latest is not None and latest.state == IN_PROGRESS:
        raise AttemptError("Finish the practice session you are in first; your study plan is there afterwards.", 409)
    lc = context_for(user_id, context_id, attempt.assignment.resource_link, is_staff=role == "staff",
                     is_preview=attempt.is_preview, due_at=attempt.due_at)
    lc.focus, lc.exclude = focus, exclude
    if db.session.get(User, user_id) is None:
        raise AttemptError("Please open the assignment from your course again.", 403)
    return start_or_resume(lc, secret, new=True)
