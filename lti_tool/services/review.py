"""Read models for the attempt and review pages: what to render, and the review breakdowns."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from question_bank.types.base import is_empty
from question_bank.vocabulary import TECHNIQUES

from ..extensions import db
from ..models import Attempt, AttemptItem
from ..models.attempts import GRADED, IN_PROGRESS
from ..models.base import utcnow
from . import bank_store
from .case_progress import case_frontiers, reached


def prefix_for(position: int) -> str:
    return f"q{position}"


@dataclass
class ItemView:
    position: int
    prefix: str
    type: str
    view: dict
    response: object
    topic: str
    case: dict | None = None  # {title, stimulus (incl. unfolded parts), position, size}
    review: dict | None = None
    flagged: bool = False
    locked: bool = False      # a case answer locked when the student moved on
    reached: bool = True      # False: a later case item, not sent to the browser yet
    last_of_case: bool = False


def _case_view(item, unfolded: dict) -> dict | None:
    case = item.bank_item.definition.get("case")
    if not case:
        return None
    parts = list(case["stimulus"]) + [p for pos in sorted(unfolded.get(case["id"], {}))
                                      if pos <= (case.get("position") or 0)
                                      for p in unfolded[case["id"]][pos]]
    return {"id": case["id"], "title": case["title"], "stimulus": parts,
            "position": case.get("position"), "size": case.get("size")}


def item_views(attempt: Attempt, with_review: bool = False) -> list[ItemView]:
    """What the pages render. While the attempt is in progress, a case item the student has
    not reached is sent as a placeholder only: no stem, no options, no unfold."""
    frontiers = {} if with_review or attempt.state != IN_PROGRESS else case_frontiers(attempt)
    unfolded: dict = defaultdict(dict)
    last_pos: dict = {}
    for item in attempt.items:
        d = item.bank_item.definition
        if d.get("case"):
            pos = d["case"].get("position") or 0
            last_pos[d["case"]["id"]] = max(last_pos.get(d["case"]["id"], 0), pos)
            if d.get("unfold") and (not frontiers or pos <= frontiers.get(d["case"]["id"], 0)):
                unfolded[d["case"]["id"]][pos] = d["unfold"]
    out = []
    for item in attempt.items:
        case = item.bank_item.definition.get("case")
        if frontiers and not reached(item, frontiers):
            out.append(ItemView(item.position, prefix_for(item.position), item.bank_item.type, {}, None,
                                item.bank_item.topic, {"id": case["id"], "title": case["title"], "stimulus": [],
                                                       "position": case.get("position"), "size": case.get("size")},
                                reached=False))
            continue
        t = bank_store.item_type(item.bank_item)
        view = t.present(item.presentation)
        if view.get("stem_html"):         # its images are served per bank row (blueprints/item_media.py)
            view["media_row"] = item.bank_item_id
        iv = ItemView(item.position, prefix_for(item.position), item.bank_item.type,
                      view, item.response, item.bank_item.topic,
                      _case_view(item, unfolded), flagged=bool(item.flagged), locked=item.locked_at is not None,
                      last_of_case=bool(case) and (case.get("position") or 0) == last_pos.get(case["id"]))
        if with_review:
            iv.review = {
                "points": item.points, "max_points": item.max_points,
                "feedback": [dict(row, state=option_state(row)) for row in t.feedback(item.response)],
                "your_answer": t.summarise(item.response),
                "correct_answer": t.summarise(t.correct_response()),
                "your_lines": answer_lines(t.key, t.summarise(item.response)),
                "correct_lines": answer_lines(t.key, t.summarise(t.correct_response())),
            }
        out.append(iv)
    return out


def option_state(row: dict) -> str:
    """How one option (or matrix row, or ordered step) of a review reads:
    right (chosen and right), wrong (chosen and wrong), missed (a key not chosen), left_out (rightly not chosen)."""
    if "correct" in row:  # a matrix row: right or wrong as a whole
        return "right" if row["correct"] else ("wrong" if row.get("chosen") else "missed")
    if "key_position" in row:  # an ordered-response step
        if row.get("chosen_position") is None:
            return "missed"
        return "right" if row["chosen_position"] == row["key_position"] else "wrong"
    if row.get("chosen"):
        return "right" if row.get("is_key") else "wrong"
    return "missed" if row.get("is_key") else "left_out"


def answer_lines(kind: str, summary: str) -> list[str]:
    """A summarised answer as lines to list (a matrix or bow-tie is not one run-on line)."""
    if not summary or summary == "(no answer)":
        return []
    if kind == "ordered_response":
        return [f"{i}. {step}" for i, step in enumerate(summary.split(" → "), start=1)]
    if kind in ("dropdown_cloze", "dropdown_rationale"):
        return [summary]
    return summary.split("; ")


def percent(fraction: float | None) -> str:
    """One way to show a percentage everywhere: rounded (not truncated) to one decimal, '18.8%'."""
    value = round((fraction or 0.0) * 100, 1)
    return f"{value:g}%"


def points(value: float | None) -> str:
    return f"{round(value or 0.0, 2):g}"


@dataclass
class AttemptSummary:
    id: int
    number: int
    submitted_at: object
    fraction: float
    score: float          # on the gradebook's scale (the assignment's points possible)
    reviewable: bool
    current: bool


def history(attempt: Attempt) -> list[AttemptSummary]:
    """Every submitted attempt of this student on this assignment, oldest first."""
    rows = db.session.execute(db.select(Attempt).where(
        Attempt.assignment_id == attempt.assignment_id, Attempt.user_id == attempt.user_id,
        Attempt.state == GRADED).order_by(Attempt.number)).scalars().all()
    possible = float(attempt.assignment.points_possible)
    return [AttemptSummary(a.id, a.number, a.submitted_at, a.fraction or 0.0, (a.fraction or 0.0) * possible,
                           feedback_visible(a), a.id == attempt.id) for a in rows]


def topic_trend(attempts: list[Attempt]) -> dict[str, list[float | None]]:
    """Per topic, the fraction right in each attempt (None where the attempt had no such item)."""
    out: dict[str, list] = {}
    for n, a in enumerate(attempts):
        totals: dict = defaultdict(lambda: [0.0, 0.0])
        for item in a.items:
            totals[item.bank_item.topic][0] += item.points or 0
            totals[item.bank_item.topic][1] += item.max_points or 0
        for topic, (got, mx) in totals.items():
            out.setdefault(topic, [None] * len(attempts))[n] = got / mx if mx else None
    return dict(sorted(out.items()))


def unanswered(attempt: Attempt) -> list[int]:
    """Positions with no answer, from the items the request already holds (an autosave keeps
    the answer it applied on its item), so it costs no query."""
    return [item.position for item in attempt.items if is_empty(item.response)]


def feedback_visible(attempt: Attempt) -> bool:
    policy = attempt.assignment.feedback_policy
    if attempt.state != GRADED or policy == "never":
        return False
    if policy == "after_due":
        due = attempt.due_at or attempt.assignment.due_at
        return due is not None and utcnow() >= due
    return True


@dataclass
class Breakdown:
    topics: list = field(default_factory=list)      # [(topic, points, max)]
    techniques: list = field(default_factory=list)  # [{technique, label, chosen_in, offered_in, review}]


def breakdown(attempt: Attempt) -> Breakdown:
    """By topic, and by the non-therapeutic techniques behind the options the student chose."""
    topics: dict = defaultdict(lambda: [0.0, 0.0])
    offered: dict = defaultdict(int)
    chosen: dict = defaultdict(list)  # technique -> question positions where the student chose it
    for item in attempt.items:
        topics[item.bank_item.topic][0] += item.points or 0
        topics[item.bank_item.topic][1] += item.max_points or 0
        t = bank_store.item_type(item.bank_item)
        offered_here = {row["technique"] for row in t.feedback(None) if row.get("technique")}
        chosen_here = {tech for tech, is_key in t.chosen_techniques(item.response) if not is_key}
        for tech in offered_here:
            offered[tech] += 1
        for tech in chosen_here:
            chosen[tech].append(item.position)
    techniques = []
    for tech, positions in sorted(chosen.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        info = TECHNIQUES.get(tech, {"therapeutic": True})
        if info.get("therapeutic"):
            continue
        techniques.append({"technique": tech, "label": info.get("label", tech), "chosen_in": len(positions),
                           "offered_in": offered.get(tech, len(positions)), "review": info.get("review"),
                           "questions": positions})
    return Breakdown(sorted((k, v[0], v[1]) for k, v in topics.items()), techniques)
