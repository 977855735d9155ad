"""The instructor's view of adaptive practice (issue 16): class mastery by topic and by
technique, over time, which students are stuck on which habit, and a CSV. One course only:
every link of the context, never another course's students."""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from question_bank.adaptive.mastery import BORDERLINE, MASTERED, NEEDS_PRACTICE
from question_bank.vocabulary import TOPICS, is_therapeutic

from ..extensions import db
from ..models import Assignment, Attempt, ResourceLink, User
from . import mastery
from .assignments import label
from .results import safe_cell

WEEKS = 6          # columns of the over-time tables
STUCK_TIMES = 3    # a habit chosen this often in the recent answers...
STUCK_LATEST = 10  # ...and at least once in the latest answers: the student is stuck on it


@dataclass
class StudentMastery:
    user_id: int
    name: str
    answers: int
    bands: dict            # topic -> band label
    habits: list           # Habit
    stuck: list            # Habit the student keeps choosing


@dataclass
class ClassMastery:
    students: list = field(default_factory=list)
    topics: list = field(default_factory=list)       # (topic, label, {band: students})
    techniques: list = field(default_factory=list)   # (technique, label, students, chosen, offered)
    weeks: list = field(default_factory=list)        # week start dates (oldest first)
    topic_trend: list = field(default_factory=list)  # (label, [percent right or None per week])
    technique_trend: list = field(default_factory=list)  # (label, [percent chosen when offered or None])


def _students(context_id: int) -> list[User]:
    q = (db.select(User).join(Attempt, Attempt.user_id == User.id)
         .join(Assignment, Assignment.id == Attempt.assignment_id)
         .join(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
         .where(ResourceLink.context_id == context_id, Attempt.is_preview.is_(False)).distinct())
    return sorted(db.session.execute(q).scalars(), key=lambda u: ((u.name or "").lower(), u.id))


def _week(when):
    day = when.date()
    return day - timedelta(days=day.weekday())


def class_mastery(context_id: int) -> ClassMastery:
    users = _students(context_id)
    histories = mastery.answers([u.id for u in users], context_id)
    out = ClassMastery()
    topic_bands: dict = defaultdict(Counter)
    tech_students, tech_chosen, tech_offered = Counter(), Counter(), Counter()
    weekly_topic: dict = defaultdict(lambda: [0, 0])
    weekly_tech: dict = defaultdict(lambda: [0, 0])
    all_bands = mastery.bands_many({u.id: h for u in users if (h := histories.get(u.id))}, context_id)
    for u in users:
        history = histories.get(u.id) or []
        if not history:
            continue
        bands = {b.topic: b.label for b in all_bands[u.id]}
        for topic, band_label in bands.items():
            topic_bands[topic][band_label] += 1
        habits = mastery.habits(history)
        latest = {t for a in history[:STUCK_LATEST] for t, is_key in a.picks if not is_key}
        stuck = [h for h in habits if h.times >= STUCK_TIMES and h.technique in latest]
        out.students.append(StudentMastery(u.id, u.name or f"Name not shared by the LMS (user id {u.sub})",
                                           len(history), bands, habits, stuck))
        mine = set()
        for a in history:
            chosen = {t for t, is_key in a.picks if not is_key and is_therapeutic(t) is False}
            mine |= chosen
            tech_chosen.update(chosen)
            offered = {t for t in a.on_offer if is_therapeutic(t) is False}
            tech_offered.update(offered)
            if a.when is not None:
                w = _week(a.when)
                weekly_topic[(a.topic, w)][0] += int(a.correct)
                weekly_topic[(a.topic, w)][1] += 1
                for t in offered:
                    weekly_tech[(t, w)][0] += int(t in chosen)
                    weekly_tech[(t, w)][1] += 1
        tech_students.update(mine)
    out.topics = [(t, label(t), dict(topic_bands[t])) for t in TOPICS if topic_bands.get(t)]
    out.techniques = sorted(((t, mastery.technique_label(t), tech_students[t], tech_chosen[t], tech_offered[t])
                             for t in tech_chosen), key=lambda r: (-r[2], -r[3], r[0]))
    weeks = sorted({w for _, w in weekly_topic})[-WEEKS:]
    out.weeks = weeks

    def pct(cell):
        return None if not cell or not cell[1] else round(100 * cell[0] / cell[1])
    out.topic_trend = [(label(t), [pct(weekly_topic.get((t, w))) for w in weeks])
                       for t in TOPICS if any((t, w) in weekly_topic for w in weeks)]
    out.technique_trend = [(lbl, [pct(weekly_tech.get((t, w))) for w in weeks]) for t, lbl, *_ in out.techniques[:8]]
    return out


BANDS = (MASTERED, BORDERLINE, NEEDS_PRACTICE)


def to_csv(cm: ClassMastery) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Name", "Answers"] + [label(t) for t in TOPICS] + ["Study-plan habits", "Stuck on"])
    for s in cm.students:
        w.writerow([safe_cell(v) for v in [s.name, s.answers] + [s.bands.get(t, "") for t in TOPICS]
                    + ["; ".join(f"{h.title} ({h.times})" for h in s.habits),
                       "; ".join(h.title for h in s.stuck)]])
    return buf.getvalue()
