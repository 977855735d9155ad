"""Item analysis and class review for one resource link, or for every link of the course that
uses the same question set. Feeds question_bank.analysis; reads only graded, non-preview attempts."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from question_bank.analysis import (FLAG_NEGATIVE_DISCRIMINATION, FLAG_TOO_EASY, FLAG_TOO_HARD, Analysis,
                                    ItemStats, analyse)
from question_bank.vocabulary import TECHNIQUES

from ..extensions import db
from ..models import Assignment, Attempt, AttemptItem, BankItem, ResourceLink
from ..models.attempts import GRADED
from . import bank_store
from .assignments import label
from .results import safe_cell

MIN_ATTEMPTS = 10  # below this the statistics are noise: the page says "not enough data yet"
MIN_SERVED = 5  # per item
FLAG_UNUSED_DISTRACTOR = "unused-distractor"
FLAG_REASONS = {
    FLAG_NEGATIVE_DISCRIMINATION: "negative discrimination: students who did well overall did worse on this question "
                                  "(check the key and the wording)",
    FLAG_TOO_EASY: "too easy: more than 90 % answered it correctly",
    FLAG_TOO_HARD: "too hard: fewer than 20 % answered it correctly (check the key)",
    FLAG_UNUSED_DISTRACTOR: "a distractor nobody picks",
}


@dataclass
class OptionCount:
    id: str
    text: str
    is_key: bool
    count: int


@dataclass
class ItemRow:
    bank_item: BankItem
    stats: ItemStats
    options: list[OptionCount] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    @property
    def anchor(self) -> str:
        return f"item-{self.bank_item.id}"

    @property
    def stem(self) -> str:
        return self.bank_item.definition.get("stem", "")


@dataclass
class ItemAnalysis:
    attempts: int
    links: int
    analysis: Analysis | None
    rows: list[ItemRow]
    percents: list[float]
    enough: bool


def links_for(link: ResourceLink, scope: str) -> list[ResourceLink]:
    """`link`, or every link in the same course whose assignment uses the same question set.
    Never another course: instructors see only their own students' answers."""
    if scope != "set":
        return [link]
    key = repr((link.assignment.blueprint or {}).get("sections"))
    same = db.session.execute(db.select(ResourceLink).join(Assignment, Assignment.resource_link_id == ResourceLink.id)
                              .where(ResourceLink.context_id == link.context_id)).scalars().all()
    return [lk for lk in same if repr((lk.assignment.blueprint or {}).get("sections")) == key]


def _graded(links: list[ResourceLink]) -> list[Attempt]:
    ids = [lk.assignment.id for lk in links if lk.assignment is not None]
    return list(db.session.execute(db.select(Attempt).where(
        Attempt.assignment_id.in_(ids), Attempt.state == GRADED, Attempt.is_preview.is_(False))
        .order_by(Attempt.id)).scalars())


def item_analysis(link: ResourceLink, scope: str = "link") -> ItemAnalysis:
    links = links_for(link, scope)
    attempts = _graded(links)
    percents = [100 * (a.fraction or 0) for a in attempts]
    if len(attempts) < MIN_ATTEMPTS:
        return ItemAnalysis(len(attempts), len(links), None, [], percents, False)
    rows_q = db.session.execute(db.select(AttemptItem).where(AttemptItem.attempt_id.in_([a.id for a in attempts]))).scalars()
    columns: dict[int, int] = {}
    bank_rows: dict[int, BankItem] = {}
    cells: dict[tuple[int, int], AttemptItem] = {}
    order = {a.id: i for i, a in enumerate(attempts)}
    for ai in rows_q:
        if ai.bank_item_id not in columns:
            columns[ai.bank_item_id] = len(columns)
            bank_rows[ai.bank_item_id] = ai.bank_item
        cells[(order[ai.attempt_id], columns[ai.bank_item_id])] = ai
    p = len(columns)
    scores = [[None] * p for _ in attempts]
    max_marks = [1.0] * p
    for (i, j), ai in cells.items():
        if ai.max_points:
            scores[i][j] = (ai.points or 0) / ai.max_points
            max_marks[j] = ai.max_points
    ids = [None] * p
    for bid, j in columns.items():
        ids[j] = f"{bank_rows[bid].item_id} v{bank_rows[bid].version}"
    result = analyse(scores, item_ids=ids, max_marks=max_marks)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (i, j), ai in cells.items():
        if ai.response is None:
            continue
        for row in bank_store.item_type(ai.bank_item).feedback(ai.response):
            if row.get("chosen"):
                counts[j][row["id"]] += 1
    rows = []
    for bid, j in columns.items():
        bank_item = bank_rows[bid]
        stats = result.items[j]
        options = [OptionCount(r["id"], (r.get("label") + ": " if r.get("label") else "") + (r.get("text") or r["id"]),
                               bool(r.get("is_key")), counts[j].get(r["id"], 0))
                   for r in bank_store.item_type(bank_item).feedback(None)]
        row = ItemRow(bank_item, stats, options)
        if stats.n >= MIN_SERVED:
            row.reasons = [FLAG_REASONS[f] for f in stats.flags if f in FLAG_REASONS]
            unused = [o for o in options if not o.is_key and o.count == 0]
            if unused and len(options) <= 8:  # matrix rows and long passages are not distractors
                row.reasons.append(FLAG_REASONS[FLAG_UNUSED_DISTRACTOR] + ": "
                                   + "; ".join(f"\u201c{o.text[:80]}\u201d" for o in unused))
        rows.append(row)
    # Flagged first (negative discrimination worst), then by discrimination, lowest first.
    rows.sort(key=lambda r: (not r.flagged,
                             r.stats.discrimination_index if r.stats.discrimination_index is not None else 1e9,
                             r.bank_item.item_id))
    return ItemAnalysis(len(attempts), len(links), result, rows, percents, True)


def _fmt(x, digits=1):
    return "" if x is None else f"{x:.{digits}f}"


def to_csv(ia: ItemAnalysis) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Item", "Version", "Topic", "Type", "Served", "Facility %", "SD %", "Discrimination index",
                "Discriminative efficiency %", "Point-biserial", "Flags", "Options chosen", "Stem"])
    for r in ia.rows:
        s = r.stats
        w.writerow([safe_cell(v) for v in (
            r.bank_item.item_id, r.bank_item.version, label(r.bank_item.topic), label(r.bank_item.type), s.n,
            _fmt(s.facility_percent), _fmt(s.sd_percent), _fmt(s.discrimination_index),
            _fmt(s.discriminative_efficiency), _fmt(s.point_biserial, 3), " | ".join(r.reasons),
            "; ".join(f"{o.text[:60]}{' (key)' if o.is_key else ''}: {o.count}" for o in r.options), r.stem)])
    if ia.analysis is not None:
        t = ia.analysis.test
        w.writerow([])
        w.writerow(["Attempts", t.n, "Mean", _fmt(t.mean, 2), "SD", _fmt(t.sd, 2),
                    "KR-20" if t.dichotomous else "Cronbach's alpha", _fmt(t.alpha, 3), "SEM", _fmt(t.sem, 2)])
    return out.getvalue()


@dataclass
class ClassReview:
    attempts: int
    topics: list[dict]  # [{topic, label, points, max, percent, items: [(bank_item_id, item_id)]}] weakest first
    techniques: list[dict]  # [{technique, label, chosen, students, review, items}] most chosen first


def class_review(link: ResourceLink, scope: str = "link") -> ClassReview:
    attempts = _graded(links_for(link, scope))
    topics: dict[str, list] = defaultdict(lambda: [0.0, 0.0, {}])
    techniques: dict[str, dict] = {}
    if attempts:
        for ai in db.session.execute(db.select(AttemptItem).where(
                AttemptItem.attempt_id.in_([a.id for a in attempts]))).scalars():
            bi = ai.bank_item
            t = topics[bi.topic]
            t[0] += ai.points or 0
            t[1] += ai.max_points or 0
            t[2][bi.id] = bi.item_id
            if ai.response is None:
                continue
            for tech, is_key in bank_store.item_type(bi).chosen_techniques(ai.response):
                info = TECHNIQUES.get(tech)
                if is_key or info is None or info.get("therapeutic"):
                    continue
                entry = techniques.setdefault(tech, {"technique": tech, "label": info["label"], "chosen": 0,
                                                     "students": set(), "review": info.get("review"), "items": {}})
                entry["chosen"] += 1
                entry["students"].add(ai.attempt.user_id)
                entry["items"][bi.id] = bi.item_id
    topic_rows = [{"topic": k, "label": label(k), "points": v[0], "max": v[1],
                   "percent": 100 * v[0] / v[1] if v[1] else 0.0, "items": sorted(v[2].items())}
                  for k, v in topics.items()]
    topic_rows.sort(key=lambda r: (r["percent"], r["topic"]))
    tech_rows = sorted(techniques.values(), key=lambda r: (-r["chosen"], r["technique"]))
    for r in tech_rows:
        r["students"] = len(r["students"])
        r["items"] = sorted(r["items"].items())
        r["review_label"] = label(r["review"]) if r.get("review") else None
    return ClassReview(len(attempts), topic_rows, tech_rows)
