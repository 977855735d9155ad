"""The habits behind a student's wrong answers, for the personal study plan (issue 16).

A habit is a non-therapeutic technique the student chose (an option, row, blank choice or
segment carrying that technique tag that was not the key). Its explanation is written in
question_bank/habits.yaml, never generated at request time.

"The right technique at the wrong moment" is one of them: a distractor that uses a therapeutic
technique (exploring, reflecting, clarifying) when something else must come first (asking about
suicide after a warning sign, setting a limit, keeping the frame) is tagged `wrong-moment`, not
with the technique it uses, and its rationale names both (question_bank/FORMAT.md). Choosing it
counts like any other non-therapeutic choice, so the plan can name it; the technique itself,
chosen where it is the key, never does.

`habits_from(answers)` ranks habits over the student's most recent answers (RECENT), so the
plan moves as the student improves: a habit the student no longer falls into drops out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from .vocabulary import TECHNIQUES, is_therapeutic

HABITS_FILE = Path(__file__).with_name("habits.yaml")
RECENT = 40          # answers the plan looks at, newest first
MIN_TIMES = 2        # a technique chosen once is a slip, not a habit
TOP = 3


@dataclass(frozen=True)
class Habit:
    technique: str
    title: str
    why: str
    instead: str
    times: int       # times chosen in the recent answers
    offered: int     # recent answers where it was on offer


@lru_cache(maxsize=1)
def explanations() -> dict:
    with open(HABITS_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["habits"]


def techniques_in(definition) -> set[str]:
    """Every technique tag anywhere in an item's choices."""
    found = set()
    stack = [definition]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            tech = node.get("technique")
            if isinstance(tech, str):
                found.add(tech)
            stack.extend(v for k, v in node.items() if k != "case")
        elif isinstance(node, list):
            stack.extend(node)
    return found


_BY_ITEM: dict = {}


def item_techniques(item) -> frozenset:
    """techniques_in(item.definition), remembered per item version (versions never change)."""
    key = (item.collection, item.id, item.version)
    found = _BY_ITEM.get(key)
    if found is None:
        if len(_BY_ITEM) > 20000:
            _BY_ITEM.clear()
        found = _BY_ITEM[key] = frozenset(techniques_in(item.definition))
    return found


def items_with_habit(items: Iterable, technique: str) -> list:
    """Items where a choice carries this technique: practice at spotting and avoiding it."""
    return [i for i in items if technique in item_techniques(i)]


def habits_from(answers: Sequence[tuple[Iterable[tuple[str, bool]], set[str]]], top: int = TOP) -> list[Habit]:
    """`answers`, newest first: (chosen techniques as (technique, is_key) pairs, techniques on offer)."""
    chosen, offered = Counter(), Counter()
    for picks, on_offer in list(answers)[:RECENT]:
        for tech in {t for t, is_key in picks if not is_key and is_therapeutic(t) is False}:
            chosen[tech] += 1
        for tech in on_offer:
            if is_therapeutic(tech) is False:
                offered[tech] += 1
    text = explanations()
    ranked = sorted((t for t, n in chosen.items() if n >= MIN_TIMES and t in text),
                    key=lambda t: (-chosen[t], -chosen[t] / max(offered[t], 1), t))
    return [Habit(t, text[t]["title"], " ".join(text[t]["why"].split()), text[t]["instead"], chosen[t],
                  max(offered[t], chosen[t])) for t in ranked[:top]]


def label(technique: str) -> str:
    return TECHNIQUES.get(technique, {}).get("label", technique)
