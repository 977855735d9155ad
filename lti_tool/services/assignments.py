"""Instructor-side use cases: assignment settings and accommodations."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from question_bank.blueprints import load_named
from question_bank.selection import validate_blueprint

from ..extensions import db
from ..models import Accommodation, Assignment, Attempt
from ..models.attempts import IN_PROGRESS
from . import bank_store, grade_sync

GRADING_METHODS = ("highest", "latest", "first", "average")
FEEDBACK_POLICIES = ("after_submit", "after_due", "never")


class SettingsError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Settings:
    blueprint_key: str
    attempts_allowed: int
    grading_method: str
    feedback_policy: str
    points_possible: float
    time_limit_minutes: int | None
    collections: list[str] | None = None


def collection_choices() -> list[str]:
    from ..models import BankItem
    return list(db.session.execute(db.select(BankItem.collection).distinct().order_by(BankItem.collection)).scalars())


def blueprint_choices() -> list[tuple[str, str]]:
    return [(k, f"{nb.blueprint.name} ({nb.blueprint.total} items)") for k, nb in load_named().items()]


def update_settings(assignment: Assignment, s: Settings) -> None:
    """Validate the blueprint against the bank as stored now, then save. Nothing half-saved."""
    named = load_named().get(s.blueprint_key)
    problems = []
    if named is None:
        problems.append(f"unknown blueprint {s.blueprint_key!r}")
    else:
        items, _ = bank_store.drawable(s.collections or None)
        problems += validate_blueprint(named.blueprint, items)
    if s.grading_method not in GRADING_METHODS:
        problems.append(f"grading method must be one of {', '.join(GRADING_METHODS)}")
    if s.feedback_policy not in FEEDBACK_POLICIES:
        problems.append(f"feedback policy must be one of {', '.join(FEEDBACK_POLICIES)}")
    if problems:
        raise SettingsError(problems)
    regrade = (assignment.grading_method, assignment.points_possible) != (s.grading_method, s.points_possible)
    d = named.blueprint.to_dict()
    d["key"], d["collections"] = named.key, list(s.collections or []) or None
    assignment.blueprint = d
    assignment.attempts_allowed = s.attempts_allowed
    assignment.grading_method, assignment.feedback_policy = s.grading_method, s.feedback_policy
    assignment.points_possible, assignment.time_limit_minutes = s.points_possible, s.time_limit_minutes
    if regrade:  # every student's gradebook score may move: queue them in the same transaction
        grade_sync.resync_link(assignment.resource_link, cause="settings")
    db.session.commit()


def set_accommodation(context_id: int, user_id: int, time_multiplier: float, extra_attempts: int) -> Accommodation:
    """Also moves the deadline of an attempt in progress (WCAG 2.2.1: time can be extended)."""
    if time_multiplier < 1 or time_multiplier > 10 or extra_attempts < 0:
        raise SettingsError(["time multiplier must be 1–10 and extra attempts 0 or more"])
    acc = db.session.execute(db.select(Accommodation).filter_by(context_id=context_id, user_id=user_id)).scalar_one_or_none()
    if acc is None:
        acc = Accommodation(context_id=context_id, user_id=user_id)
        db.session.add(acc)
    acc.time_multiplier, acc.extra_attempts = time_multiplier, extra_attempts
    open_attempts = db.session.execute(db.select(Attempt).join(Assignment).where(
        Attempt.user_id == user_id, Attempt.state == IN_PROGRESS, Attempt.deadline_at.is_not(None),
        Assignment.time_limit_minutes.is_not(None))).scalars()
    for attempt in open_attempts:
        if attempt.assignment.resource_link.context_id == context_id:
            attempt.deadline_at = attempt.started_at + timedelta(
                minutes=attempt.assignment.time_limit_minutes * time_multiplier)
    db.session.commit()
    return acc
