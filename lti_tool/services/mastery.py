"""Mastery by topic and the habits behind wrong answers, from a student's graded answers in
one course (every link, fixed and adaptive; previews never count)."""
from __future__ import annotations

from dataclasses import dataclass

from question_bank.adaptive import Band, band, difficulty_of, is_correct, topic_abilities, topic_abilities_many
from question_bank.adaptive.mastery import PASSING, topic_standards
from question_bank.habits import Habit, habits_from, item_techniques
from question_bank.vocabulary import TECHNIQUES, TOPICS

from ..extensions import db
from ..models import Assignment, Attempt, AttemptItem, BankItem, ItemCalibration, ResourceLink
from ..models.attempts import GRADED
from . import bank_store
from .assignments import label


class _Key:
    """A bank row seen as question_bank.habits.item_techniques expects (collection, id, version, definition)."""

    __slots__ = ("collection", "id", "version", "definition")

    def __init__(self, row: BankItem):
        self.collection, self.id, self.version, self.definition = row.collection, row.item_id, row.version, row.definition


@dataclass
class Answer:
    item_id: str
    topic: str
    label: str | None        # difficulty label
    correct: bool
    picks: list              # [(technique, is_key)] the student chose
    on_offer: set            # techniques among the item's choices
    when: object = None      # when the attempt started (aware UTC datetime)
    attempt_id: int = 0


def answers(user_ids, context_id: int) -> dict[int, list[Answer]]:
    """Each student's graded answers in this course, newest first, one per item (the latest)."""
    ids = [user_ids] if isinstance(user_ids, int) else list(user_ids)
    if not ids:
        return {}
    q = (db.select(Attempt.user_id, AttemptItem, BankItem, Attempt.started_at)
         .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
         .join(BankItem, BankItem.id == AttemptItem.bank_item_id)
         .join(Assignment, Assignment.id == Attempt.assignment_id)
         .join(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
         .where(Attempt.user_id.in_(ids), ResourceLink.context_id == context_id, Attempt.is_preview.is_(False),
                AttemptItem.points.is_not(None), AttemptItem.max_points > 0,
                (Attempt.state == GRADED) | (Assignment.mode == "adaptive"))
         .order_by(Attempt.started_at.desc(), AttemptItem.position.desc()))
    out: dict[int, list[Answer]] = {u: [] for u in ids}
    seen: set = set()
    for user_id, ai, bi, started in db.session.execute(q):
        if (user_id, bi.item_id) in seen:
            continue
        seen.add((user_id, bi.item_id))
        t = bank_store.item_type(bi)
        try:
            picks = t.chosen_techniques(ai.response)
        except (ValueError, TypeError, KeyError):
            picks = []
        out[user_id].append(Answer(bi.item_id, bi.topic, bi.difficulty, is_correct(ai.points, ai.max_points),
                                   list(picks), set(item_techniques(_Key(bi))), started, ai.attempt_id))
    return out


def _difficulties() -> dict[str, float]:
    return dict(db.session.execute(db.select(ItemCalibration.item_id, ItemCalibration.difficulty)).all())


def standards(context_id: int, calibrated: dict[str, float] | None = None) -> dict[str, float]:
    """topic -> the difficulty of a typical question of it: the median over the bank items this
    course can use (calibrated, else the label's prior). Each topic's band is judged against it."""
    calibrated = _difficulties() if calibrated is None else calibrated
    items, _ = bank_store.drawable(None)
    visible = set(bank_store.visible_collections(context_id)) | {"bundled"}
    return topic_standards((i.topic, difficulty_of(i.id, i.difficulty, calibrated))
                           for i in items if i.collection in visible)


def _banded(abilities: dict, cuts: dict[str, float]) -> list[Band]:
    order = {t: n for n, t in enumerate(TOPICS)}
    return [band(t, label(t), ab, cuts.get(t, PASSING))
            for t, ab in sorted(abilities.items(), key=lambda kv: order.get(kv[0], 99))]


def bands(history: list[Answer], context_id: int, calibrated: dict[str, float] | None = None) -> list[Band]:
    calibrated = _difficulties() if calibrated is None else calibrated
    cuts = standards(context_id, calibrated)
    abilities = topic_abilities(((a.topic, difficulty_of(a.item_id, a.label, calibrated), a.correct) for a in history),
                                centres=cuts)
    return _banded(abilities, cuts)


def for_student(user_id: int, context_id: int) -> list[Band]:
    return bands(answers(user_id, context_id)[user_id], context_id)


def habits(history: list[Answer]) -> list[Habit]:
    return habits_from([(a.picks, a.on_offer) for a in history])


def technique_label(technique: str | None) -> str:
    return TECHNIQUES.get(technique or "", {}).get("label", (technique or "").replace("-", " ").capitalize())


def bands_many(histories: dict[int, list[Answer]], context_id: int,
               calibrated: dict[str, float] | None = None) -> dict[int, list[Band]]:
    """`bands` for a whole class in one estimation per topic (the class mastery page)."""
    calibrated = _difficulties() if calibrated is None else calibrated
    rows = {u: [(a.topic, a.item_id, difficulty_of(a.item_id, a.label, calibrated), a.correct) for a in h]
            for u, h in histories.items()}
    cuts = standards(context_id, calibrated)
    return {u: _banded(abilities, cuts) for u, abilities in topic_abilities_many(rows, centres=cuts).items()}
