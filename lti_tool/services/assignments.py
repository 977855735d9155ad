"""Instructor-side use cases: assignment settings (builder and settings page) and accommodations.

The settings page never surprises: what it shows is what the assignment uses; a change that
moves grades (grading method, points) queues every student's new gradebook score in the
same transaction, after the page has said how many students it touches; a question-set
change applies to attempts started after it.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from question_bank.blueprints import load_named
from question_bank.selection import Blueprint, Filter, SelectionError, draw, validate_blueprint
from question_bank.vocabulary import CJMM_SKILLS, DIFFICULTIES, TOPICS

from ..extensions import db
from ..models import Accommodation, AccommodationChange, Assignment, Attempt
from ..models.attempts import GRADED, IN_PROGRESS
from ..models.base import utcnow
from . import bank_store, grade_sync

GRADING_METHODS = ("highest", "latest", "first", "average")
FEEDBACK_POLICIES = ("after_submit", "after_due", "never")
CUSTOM, CURRENT = "custom", "current"

GRADING_LABELS = {"highest": "Highest attempt", "latest": "Latest attempt", "first": "First attempt",
                  "average": "Average of attempts"}
FEEDBACK_LABELS = {"after_submit": "After each submission", "after_due": "After the due date", "never": "Never"}
# Assignment.delivery; "" stands for None (one per page when timed, as the NCLEX; all on one page when not).
DELIVERY_MODES = ("one_per_page", "all_on_one_page")
DELIVERY_LABELS = {"": "Automatic: one per page if timed", "one_per_page": "One question per page",
                   "all_on_one_page": "All questions on one page"}
TYPE_LABELS = {
    "multiple_choice": "Multiple choice", "select_all": "Select all that apply", "select_n": "Select N",
    "ordered_response": "Ordered response", "dropdown_cloze": "Drop-down cloze",
    "dropdown_rationale": "Drop-down rationale", "matrix_multiple_choice": "Matrix (one per row)",
    "matrix_multiple_response": "Matrix (several per row)", "bowtie": "Bow-tie", "highlight": "Highlight text",
}
FIELD_LABELS = {"topic": "topic", "type": "question type", "cjmm_skill": "clinical judgement skill",
                "difficulty": "difficulty", "collection": "collection"}


def label(value: str) -> str:
    """A vocabulary tag in the instructor's words ("therapeutic-techniques" -> "Therapeutic techniques")."""
    if value in TYPE_LABELS:
        return TYPE_LABELS[value]
    if value == "bundled":
        return "Rapport's built-in questions"
    if value == "nontherapeutic-responses":
        return "Non-therapeutic responses"
    return value.replace("-", " ").replace("_", " ").capitalize()


TOPIC_CHOICES = [(t, label(t)) for t in TOPICS]
SKILL_CHOICES = [(s, label(s)) for s in CJMM_SKILLS]
DIFFICULTY_CHOICES = [(d, label(d)) for d in DIFFICULTIES]
TYPE_CHOICES = sorted(TYPE_LABELS.items(), key=lambda kv: kv[1])


class SettingsError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Settings:
    blueprint_key: str  # a ready-made blueprint's key, CUSTOM (sections below) or CURRENT (keep as is)
    attempts_allowed: int
    grading_method: str
    feedback_policy: str
    points_possible: float
    time_limit_minutes: int | None
    collections: list[str] | None = None
    title: str | None = None
    sections: list[dict] = field(default_factory=list)  # custom: [{"filter": {...}, "count": n}]
    shuffle_options: bool = True
    due_at: datetime | None = None
    delivery: str | None = None  # one of DELIVERY_MODES, or None for automatic
    mode: str = "fixed"                 # fixed | adaptive (issue 16)
    adaptive: dict | None = None        # {"max_items", "se_target", "grade"} when adaptive


ADAPTIVE_GRADES = ("completion", "mastery")


def adaptive_problems(s: "Settings") -> list[str]:
    """The adaptive settings' problems, in the instructor's words."""
    if s.mode not in ("fixed", "adaptive"):
        return ["Choose how questions are given from the list."]
    if s.mode != "adaptive":
        return []
    from question_bank.adaptive import CatSettings
    a = s.adaptive or {}
    found = []
    try:
        cat = CatSettings(min_items=int(a.get("min_items", 5)), max_items=int(a.get("max_items", 25)),
                          se_target=float(a.get("se_target", 0.45)))
    except (TypeError, ValueError):
        return ["Enter the adaptive session's length and precision as numbers."]
    if cat.problems() or not 5 <= cat.max_items <= 100:
        found.append("An adaptive session holds between 5 and 100 questions, and stops at a precision from the list.")
    if a.get("grade", "completion") not in ADAPTIVE_GRADES:
        found.append("Choose what the gradebook receives for adaptive practice from the list.")
    return found


@dataclass
class Change:
    """What saving these settings would do, in the words the page shows before it asks to confirm."""
    regrade: bool = False
    students: int = 0  # students whose gradebook score is recomputed and sent again
    question_set: bool = False
    started: int = 0  # attempts in progress that keep the questions they were given
    warnings: list[str] = field(default_factory=list)


def collection_choices(context_id: int | None = None) -> list[str]:
    """Collections an assignment may draw from: with a context, never another course's imports."""
    from .bank_store import visible_collections
    return visible_collections(context_id)


def blueprint_choices() -> list[tuple[str, str]]:
    return [(k, f"{nb.blueprint.name} ({nb.blueprint.total} items)") for k, nb in load_named().items()]


def blueprint_label(blueprint: dict) -> str:
    total = sum(s.get("count", 0) for s in blueprint.get("sections") or [])
    return f"{blueprint.get('name') or 'Question set'} ({total} questions)"


def describe_filter(flt: dict) -> str:
    parts = []
    for key, value in flt.items():
        values = value if isinstance(value, list) else [value]
        parts.append(f"{FIELD_LABELS.get(key, key)}: {' or '.join(label(str(v)) for v in values)}")
    return "; ".join(parts) or "any question"


_SECTION = re.compile(r"^section (\d+) \((.*?)\)(:)? ")


def plain_problem(problem: str, sections: list[dict]) -> str:
    """question_bank's validation message in the instructor's words."""
    m = _SECTION.match(problem)
    if not m:
        return problem
    n = int(m.group(1))
    flt = sections[n - 1]["filter"] if 0 < n <= len(sections) else {}
    rest = problem[m.end():]
    rest = re.sub(r"asks for (\d+) items but only (\d+) match",
                  r"asks for \1 questions, but the question bank has only \2 that fit", rest)
    rest = rest.replace("up to", "up to").replace("earlier sections", "the rows above")
    return f"Row {n} ({describe_filter(flt)}): {rest}"


def availability(filters: list[dict], collections: list[str] | None) -> list[int]:
    """For each row's filter, how many current items fit it (before other rows take theirs)."""
    items, _ = bank_store.drawable(collections or None)
    out = []
    for flt in filters:
        f = Filter(**flt)
        out.append(sum(1 for i in items if f.matches(i)))
    return out


def _blueprint_for(assignment: Assignment, s: Settings) -> tuple[dict | None, list[str]]:
    if s.blueprint_key == CURRENT:
        if not assignment.blueprint:
            return None, ["Choose a question set."]
        d = dict(assignment.blueprint)
        d["collections"] = list(s.collections or []) or None
        return d, []
    if s.blueprint_key == CUSTOM:
        sections = [sec for sec in s.sections if sec.get("count")]
        if not sections:
            return None, ["Your own question set needs at least one row with a number of questions."]
        d = {"name": (s.title or "Custom question set").strip() or "Custom question set", "key": CUSTOM,
             "sections": sections, "collections": list(s.collections or []) or None}
        return d, []
    named = load_named().get(s.blueprint_key)
    if named is None:
        return None, ["Choose one of the question sets in the list."]
    d = named.blueprint.to_dict()
    d["key"], d["collections"] = named.key, list(s.collections or []) or None
    return d, []


TRIAL_DRAWS = 5


def trial_draw_problems(blueprint: dict, items) -> list[str]:
    """Draw the set a few times as a launch would: a set the counts allow but the draw cannot
    make (families kept apart, case-study sizes) is refused here, not at a student's launch."""
    bp = Blueprint.from_dict(blueprint)
    for seed in range(TRIAL_DRAWS):
        try:
            draw(bp, items, random.Random(seed))
        except SelectionError:
            return ["This question set cannot always be drawn from the question bank (similar questions are never "
                    "drawn together, and case studies come whole). Ask for fewer questions in a row, or widen its "
                    "topics, types or difficulty."]
    return []


def check(assignment: Assignment, s: Settings) -> tuple[dict | None, list[str]]:
    """The blueprint these settings would use, and every problem, in plain words."""
    blueprint, problems = _blueprint_for(assignment, s)
    if blueprint is not None:
        items, _ = bank_store.drawable(s.collections or None)
        raw = validate_blueprint(Blueprint.from_dict(blueprint), items)
        problems += [plain_problem(p, blueprint["sections"]) for p in raw]
        if not raw:
            problems += trial_draw_problems(blueprint, items)
    if s.grading_method not in GRADING_METHODS:
        problems.append("Choose how attempts are graded from the list.")
    if s.feedback_policy not in FEEDBACK_POLICIES:
        problems.append("Choose when students see rationales from the list.")
    if s.points_possible is None or s.points_possible <= 0:
        problems.append("Points possible must be more than 0.")
    if s.delivery is not None and s.delivery not in DELIVERY_MODES:
        problems.append("Choose how questions are shown from the list.")
    problems += adaptive_problems(s)
    return blueprint, problems


def preview_change(assignment: Assignment, s: Settings, lms_sends_due_date: bool = False) -> Change:
    """What saving would do to students; nothing is written."""
    ch = Change()
    if assignment.id is not None:  # a new assignment (the builder) has no students to touch
        ch.regrade = (assignment.grading_method, float(assignment.points_possible)) != (s.grading_method, float(s.points_possible))
    if ch.regrade:
        ch.students = db.session.execute(
            db.select(db.func.count(db.distinct(Attempt.user_id))).where(
                Attempt.assignment_id == assignment.id, Attempt.state == GRADED, Attempt.is_preview.is_(False))).scalar() or 0
    blueprint, _ = _blueprint_for(assignment, s)
    if blueprint is not None and assignment.blueprint and assignment.id is not None:
        ch.question_set = _set_of(blueprint) != _set_of(assignment.blueprint)
        if ch.question_set:
            ch.started = db.session.execute(db.select(db.func.count(Attempt.id)).where(
                Attempt.assignment_id == assignment.id, Attempt.state == IN_PROGRESS,
                Attempt.is_preview.is_(False))).scalar() or 0
    if s.feedback_policy == "after_due" and s.due_at is None and not lms_sends_due_date:
        ch.warnings.append("Rationales are set to show after the due date, but no due date is known: set one here, "
                           "or have the LMS send it (custom parameter due_at), or students will never see rationales.")
    return ch


def _set_of(blueprint: dict) -> tuple:
    return (repr(blueprint.get("sections")), tuple(blueprint.get("collections") or ()))


def save(assignment: Assignment, s: Settings, *, lms_sends_due_date: bool = False) -> Change:
    """Validate against the bank as stored now, then save; nothing half-saved. Commits.

    A grading change queues every student's recomputed gradebook score (grade_sync) in the
    same transaction; a question-set change applies to attempts started after it.
    """
    blueprint, problems = check(assignment, s)
    if s.feedback_policy == "after_due" and s.due_at is None and not lms_sends_due_date:
        problems.append("Rationales \"after the due date\" need a due date: enter one, or choose another "
                        "time to show rationales.")
    if problems:
        raise SettingsError(problems)
    change = preview_change(assignment, s, lms_sends_due_date)
    assignment.blueprint = blueprint
    assignment.title = (s.title or assignment.title or "Therapeutic alliance practice").strip()
    assignment.attempts_allowed = s.attempts_allowed
    assignment.grading_method, assignment.feedback_policy = s.grading_method, s.feedback_policy
    assignment.points_possible, assignment.time_limit_minutes = float(s.points_possible), s.time_limit_minutes
    assignment.shuffle_options = s.shuffle_options
    assignment.due_at = s.due_at
    assignment.delivery = s.delivery
    assignment.mode = s.mode
    if s.mode == "adaptive":
        assignment.adaptive = dict(min_items=5, **(s.adaptive or {}))
    assignment.configured_at = utcnow()
    if assignment.id is None:
        db.session.add(assignment)
    db.session.flush()
    if change.regrade and assignment.resource_link is not None:
        change.students = grade_sync.resync_link(assignment.resource_link, cause="settings")
    db.session.commit()
    return change


def update_settings(assignment: Assignment, s: Settings) -> None:
    """Kept for callers that save without the page (CLI, tests): same rules as save()."""
    save(assignment, s, lms_sends_due_date=True)


def set_accommodation(context_id: int, user_id: int, time_multiplier: float, extra_attempts: int,
                      set_by: int | None = None) -> Accommodation:
    """Also moves the deadline of an attempt in progress (WCAG 2.2.1: time can be extended).
    Every change is kept (who, when, from what). Commits."""
    if time_multiplier < 1 or time_multiplier > 10 or extra_attempts < 0 or extra_attempts > 20:
        raise SettingsError(["The time multiplier must be between 1 and 10, and extra attempts between 0 and 20."])
    acc = db.session.execute(db.select(Accommodation).filter_by(context_id=context_id, user_id=user_id)).scalar_one_or_none()
    before = (acc.time_multiplier, acc.extra_attempts) if acc else (None, None)
    if acc is None:
        acc = Accommodation(context_id=context_id, user_id=user_id)
        db.session.add(acc)
    acc.time_multiplier, acc.extra_attempts = time_multiplier, extra_attempts
    if before != (time_multiplier, extra_attempts):
        db.session.add(AccommodationChange(context_id=context_id, user_id=user_id, set_by_id=set_by,
                                           time_multiplier=time_multiplier, extra_attempts=extra_attempts,
                                           previous_time_multiplier=before[0], previous_extra_attempts=before[1]))
    open_attempts = db.session.execute(db.select(Attempt).join(Assignment).where(
        Attempt.user_id == user_id, Attempt.state == IN_PROGRESS, Attempt.deadline_at.is_not(None),
        Assignment.time_limit_minutes.is_not(None))).scalars()
    for attempt in open_attempts:
        link = attempt.assignment.resource_link
        if link is not None and link.context_id == context_id:
            attempt.deadline_at = attempt.started_at + timedelta(
                minutes=attempt.assignment.time_limit_minutes * time_multiplier)
    db.session.commit()
    return acc


def accommodation_history(context_id: int, limit: int = 50) -> list[AccommodationChange]:
    return list(db.session.execute(db.select(AccommodationChange).filter_by(context_id=context_id)
                                   .order_by(AccommodationChange.created_at.desc(), AccommodationChange.id.desc())
                                   .limit(limit)).scalars())


def needs_setup(assignment: Assignment) -> bool:
    """Nobody has set it up and no student has started it: an instructor launch opens the builder."""
    if assignment.configured_at is not None:
        return False
    return db.session.execute(db.select(Attempt.id).where(Attempt.assignment_id == assignment.id,
                                                          Attempt.is_preview.is_(False)).limit(1)).first() is None


def discard_previews(assignment: Assignment, user_id: int) -> None:
    """Before a new preview: the instructor's earlier previews go (they never count), so the
    preview is drawn with the current settings and is not "attempt 4 of 3". Commits."""
    for a in db.session.execute(db.select(Attempt).where(
            Attempt.assignment_id == assignment.id, Attempt.user_id == user_id,
            Attempt.is_preview.is_(True))).scalars():
        db.session.delete(a)
    db.session.commit()
